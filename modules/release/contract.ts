/**
 * The `release` module's public face: the wire protocol of `POST
 * /releases/run`, which its CLI verb and `voodu apply`
 * both speak. The module provides no service.
 *
 * The answer is `text/plain`, streamed: banner lines start with `-----> `,
 * everything the release containers print is indented by seven spaces (so
 * a container can never forge a banner), and the last banner says how it
 * ended. The HTTP status is 200 whatever the outcome; only a request that
 * never started a release (bad query, unknown deployment, busy) is a JSON
 * error with its own status. The CLI's reading of the stream is
 * cli/release-stream.ts.
 */

export const RELEASES_RUN_PATH = '/releases/run';
export const BANNER = '-----> ';
export const OUTPUT_INDENT = '       ';
/** `voodu.role` of release containers: listed by `workload.listAll`, never taken for replicas. */
export const RELEASE_ROLE = 'release';
