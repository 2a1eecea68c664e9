// Command realprof writes real Go runtime profiles used as test data by
// e2e-profile's pprof decoder tests (tests/pprof/data).
//
// Usage:
//
//	cd tests/pprof/gen/realprof && GO111MODULE=on go run . ../../data
//
// It writes heap.pb.gz, heap2.pb.gz (a later heap snapshot, the -base
// partner of heap.pb.gz), allocs.pb.gz, cpu.pb.gz and goroutine.pb.gz.
// The profiles are generated once and kept as data; this program only
// documents how they were made (their content depends on timing and on
// the Go version, so re-running it changes the golden outputs).
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sync"
	"time"
)

// live keeps allocations reachable so that inuse_* values are non-zero.
var live [][]byte

// sink defeats dead-code elimination of garbage allocations.
var sink []byte

// newBuf is small enough to be inlined into its callers: its allocation
// sites produce locations with several lines (inlined frames).
func newBuf(n int) []byte {
	return make([]byte, n)
}

// keepInlined allocates through the inlined helper and keeps the result.
//
//go:noinline
func keepInlined(count, size int) {
	for i := 0; i < count; i++ {
		live = append(live, newBuf(size))
	}
}

// garbageInlined allocates through the inlined helper and drops it.
//
//go:noinline
func garbageInlined(count, size int) {
	for i := 0; i < count; i++ {
		sink = newBuf(size)
	}
}

// recurse allocates at every depth, so the same function appears several
// times in one stack; even depths keep their buffer alive.
//
//go:noinline
func recurse(depth, size int) {
	b := make([]byte, size*(depth+1))
	if depth%2 == 0 {
		live = append(live, b)
	} else {
		sink = b
	}
	if depth > 0 {
		recurse(depth-1, size)
	}
}

// mapBuilder allocates maps and strings, another distinct call path.
//
//go:noinline
func mapBuilder(n int) map[string][]int {
	m := make(map[string][]int)
	for i := 0; i < n; i++ {
		m[fmt.Sprintf("key-%d", i)] = make([]int, 16)
	}
	return m
}

var liveMaps []map[string][]int

func writeProfile(dir, name, kind string) {
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		panic(err)
	}
	if err := pprof.Lookup(kind).WriteTo(f, 0); err != nil {
		panic(err)
	}
	if err := f.Close(); err != nil {
		panic(err)
	}
}

// CPU burners: three distinct functions, one recursive.

//go:noinline
func fib(n int) int {
	if n < 2 {
		return n
	}
	return fib(n-1) + fib(n-2)
}

//go:noinline
func spinMul(iter int) uint64 {
	x := uint64(88172645463325252)
	for i := 0; i < iter; i++ {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
	}
	return x
}

//go:noinline
func sortish(n int) int {
	a := make([]int, n)
	for i := range a {
		a[i] = (i * 7919) % n
	}
	// insertion sort: quadratic busy work
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && a[j-1] > a[j]; j-- {
			a[j-1], a[j] = a[j], a[j-1]
		}
	}
	return a[0]
}

var cpuSink uint64

func burnCPU(d time.Duration) {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		cpuSink += uint64(fib(24))
		cpuSink += spinMul(3_000_000)
		cpuSink += uint64(sortish(3000))
	}
}

// Goroutine blockers: two distinct functions.

//go:noinline
func waitOnChannel(ch chan struct{}, wg *sync.WaitGroup) {
	wg.Done()
	<-ch
}

//go:noinline
func waitOnMutex(mu *sync.Mutex, wg *sync.WaitGroup) {
	wg.Done()
	mu.Lock()
	mu.Unlock()
}

func main() {
	runtime.MemProfileRate = 1
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: realprof OUTDIR")
		os.Exit(2)
	}
	dir := os.Args[1]

	// Heap / allocs.
	keepInlined(200, 1024)
	garbageInlined(500, 4096)
	for i := 0; i < 10; i++ {
		recurse(6, 256)
	}
	liveMaps = append(liveMaps, mapBuilder(300))
	_ = mapBuilder(200) // garbage
	runtime.GC()
	writeProfile(dir, "heap.pb.gz", "heap")
	writeProfile(dir, "allocs.pb.gz", "allocs")

	// More allocation for the second heap snapshot.
	keepInlined(300, 2048)
	for i := 0; i < 20; i++ {
		recurse(8, 512)
	}
	liveMaps = append(liveMaps, mapBuilder(500))
	garbageInlined(100, 8192)
	runtime.GC()
	writeProfile(dir, "heap2.pb.gz", "heap")

	// CPU.
	f, err := os.Create(filepath.Join(dir, "cpu.pb.gz"))
	if err != nil {
		panic(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		panic(err)
	}
	burnCPU(1500 * time.Millisecond)
	pprof.StopCPUProfile()
	if err := f.Close(); err != nil {
		panic(err)
	}

	// Goroutines: 12 blocked on a channel, 8 on a mutex.
	ch := make(chan struct{})
	var mu sync.Mutex
	mu.Lock()
	var wg sync.WaitGroup
	for i := 0; i < 12; i++ {
		wg.Add(1)
		go waitOnChannel(ch, &wg)
	}
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go waitOnMutex(&mu, &wg)
	}
	wg.Wait()
	time.Sleep(100 * time.Millisecond) // let them all block
	writeProfile(dir, "goroutine.pb.gz", "goroutine")
	close(ch)
	mu.Unlock()

	fmt.Fprintln(os.Stderr, "wrote profiles to", dir, "live:", len(live), len(liveMaps))
}
