/** The installer's one error of its own: the plugin arrived but would not install (its hook failed). → 400 */
import { VooduError } from '../../../lib/errors.js';

export class PluginInstallError extends VooduError {
  override readonly status = 400;
  override readonly code = 'plugin_install';
}
