//go:build js

package face

import "syscall/js"

// cpuNanos is the node process's user+system CPU time (process.cpuUsage,
// in µs), so wasm benchmarks report CPU per frame as native ones do; in a
// browser, where there is no process, it is unavailable.
func cpuNanos() int64 {
	p := js.Global().Get("process")
	if p.Type() != js.TypeObject || p.Get("cpuUsage").Type() != js.TypeFunction {
		return -1
	}
	u := p.Call("cpuUsage")
	return int64(u.Get("user").Float()+u.Get("system").Float()) * 1000
}
