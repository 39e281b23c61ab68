// allot's version, from its package.json (compiled into dist/ by the build).

import packageJson from '../../package.json' with { type: 'json' };

export const allotVersion: string = packageJson.version;
