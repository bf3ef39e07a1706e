// Preloaded (node --require, bun --preload) into baselines that cannot be told which address to
// listen on (Portkey's start-server listens on every interface): forces every TCP listen that names
// only a port to 127.0.0.1.
function force(proto) {
  const listen = proto.listen
  proto.listen = function (...args) {
    if (typeof args[0] === 'object' && args[0] !== null && !Array.isArray(args[0])) {
      if (args[0].port !== undefined) args[0] = { ...args[0], host: '127.0.0.1' }
    } else if (typeof args[0] === 'number' || (typeof args[0] === 'string' && /^\d+$/.test(args[0]))) {
      const cb = args.find((a) => typeof a === 'function')
      args = cb ? [Number(args[0]), '127.0.0.1', cb] : [Number(args[0]), '127.0.0.1']
    }
    return listen.apply(this, args)
  }
}
force(require('node:net').Server.prototype)
const http = require('node:http')
if (http.Server.prototype.listen !== require('node:net').Server.prototype.listen) force(http.Server.prototype)
