// Command e2e-target is a small Go service used by e2e-profile's tests.
//
// It serves the real net/http/pprof handlers and runs a configurable
// workload (-mode) so that heap and goroutine profiles taken from it have a
// known shape: a steady heap, a growing heap, leaking goroutines, or the
// "repeated OpenAPI schema fetching" pattern of the operator-controller
// investigation (baseline) next to its fix (cached).
//
// Fault injection (-fault, POST /admin/fault) makes /debug/pprof/* answer
// 404, 500, an HTML page, a truncated profile or very slowly, and
// POST /admin/exit simulates a crash.
//
// Standard library only; see -h for the flags.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"math/rand"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/pprof"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	runtimepprof "runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

var modes = []string{"idle", "grow", "leak-goroutines", "clean", "baseline", "cached"}

var faultModes = []string{"none", "404", "500", "html", "truncated", "slow"}

type config struct {
	listen               string
	portFile             string
	mode                 string
	fault                string
	goroutineLeakProfile bool
	slowDelay            time.Duration
	workInterval         time.Duration
	growKiBPerSec        int
	growMaxMiB           int
	goroutinesPerSec     int
	maxGoroutines        int
	schemaKiB            int
	keepCopies           int
	steadyKiB            int
	memProfileRate       int
	writeTimeout         time.Duration
	gcInterval           time.Duration
	exitAfter            time.Duration
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func parseFlags() *config {
	c := &config{}
	fs := flag.CommandLine
	fs.StringVar(&c.listen, "listen", "127.0.0.1:6060", "`address` to listen on; port 0 picks a free port. The bound address is printed as the first stdout line: \"listening on HOST:PORT\"")
	fs.StringVar(&c.portFile, "port-file", "", "write the bound port number (and a newline) to `PATH`, atomically (temp file + rename)")
	fs.StringVar(&c.mode, "mode", "idle", "workload: "+strings.Join(modes, " | "))
	fs.StringVar(&c.fault, "fault", "none", "initial fault mode of /debug/pprof/*: "+strings.Join(faultModes, " | "))
	fs.BoolVar(&c.goroutineLeakProfile, "goroutineleak-profile", false, "serve /debug/pprof/goroutineleak (the goroutine profile, standing in for Go 1.26's)")
	fs.StringVar(&textFault, "text-fault", "none", "fault of the text profiles only (?debug=N): "+strings.Join(textFaultModes, " | "))
	fs.DurationVar(&c.slowDelay, "slow-delay", 30*time.Second, "how long the 'slow' fault sleeps before answering")
	fs.DurationVar(&c.workInterval, "work-interval", 200*time.Millisecond, "baseline/cached: background schema fetch interval (0 disables the ticker; /work still works)")
	fs.IntVar(&c.growKiBPerSec, "grow-kib-per-sec", 1024, "grow: KiB allocated and retained per second (in ticks of 100ms)")
	fs.IntVar(&c.growMaxMiB, "grow-max-mib", 1024, "grow: stop growing once this many MiB are retained")
	fs.IntVar(&c.goroutinesPerSec, "goroutines-per-sec", 50, "leak-goroutines: goroutines leaked per second; clean: goroutines started and stopped per second (pool size)")
	fs.IntVar(&c.maxGoroutines, "max-goroutines", 100000, "leak-goroutines: stop leaking after this many")
	fs.IntVar(&c.schemaKiB, "schema-kib", 2048, "baseline/cached: approximate size of the generated OpenAPI document in KiB")
	fs.IntVar(&c.keepCopies, "keep-copies", 4, "baseline: how many recently decoded schema copies stay alive")
	fs.IntVar(&c.steadyKiB, "steady-kib", -1, "KiB of long-lived non-OpenAPI objects (main.(*informerCache).fill); -1 = 16384 in baseline/cached, 1024 otherwise")
	fs.IntVar(&c.memProfileRate, "memprofilerate", -1, "set runtime.MemProfileRate to `N` (-1 keeps Go's default, 512 KiB)")
	fs.DurationVar(&c.writeTimeout, "write-timeout", 0, "http.Server WriteTimeout (0 = none); pprof answers 400 to ?seconds= at or above it")
	fs.DurationVar(&c.gcInterval, "gc-interval", -1, "run runtime.GC() this often (0 = never; -1 = 1s in grow mode, never otherwise). The in-use heap profile only reflects completed GC cycles, so without GCs a slowly growing heap looks flat")
	fs.DurationVar(&c.exitAfter, "exit-after", 0, "exit cleanly after this long (0 = never); a safety net for tests")
	fs.Usage = func() {
		o := fs.Output()
		fmt.Fprintf(o, `usage: e2e-target [flags]

Serves net/http/pprof at /debug/pprof/ plus:
  GET  /work[?n=N]            do N (default 1, max 100) units of the mode's work; JSON answer
  GET  /stats                 JSON: mode, fault, heap and goroutine figures, work counters
  GET  /healthz               "ok"
  GET  /admin/fault           current fault mode
  POST /admin/fault?mode=X    switch the fault mode (X: %s); &delay=5s sets the slow delay
  POST /admin/exit[?code=N]   exit immediately with status N (default 1), simulating a crash

Modes:
  idle             serve pprof, keep a small steady heap
  grow             retain -grow-kib-per-sec more KiB every second (main.(*grower).grow)
  leak-goroutines  start -goroutines-per-sec goroutines per second that never exit (main.leakyWorker)
  clean            keep a pool of -goroutines-per-sec goroutines, replacing them steadily (main.cleanWorker)
  baseline         decode the OpenAPI document on every fetch (main.(*openapiClient).fetchSchema ->
                   main.decodeSchema -> encoding/json) and keep the last -keep-copies decoded copies
  cached           decode the document once and reuse the cached result

Flags:
`, strings.Join(faultModes, ", "))
		fs.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "e2e-target: unexpected argument %q\n", flag.Arg(0))
		fs.Usage()
		os.Exit(2)
	}
	if !contains(modes, c.mode) {
		fmt.Fprintf(os.Stderr, "e2e-target: unknown -mode %q (want one of %s)\n", c.mode, strings.Join(modes, ", "))
		os.Exit(2)
	}
	if !contains(textFaultModes, textFault) {
		fmt.Fprintf(os.Stderr, "e2e-target: unknown -text-fault %q (want one of %s)\n", textFault, strings.Join(textFaultModes, ", "))
		os.Exit(2)
	}
	if !contains(faultModes, c.fault) {
		fmt.Fprintf(os.Stderr, "e2e-target: unknown -fault %q (want one of %s)\n", c.fault, strings.Join(faultModes, ", "))
		os.Exit(2)
	}
	if c.steadyKiB < 0 {
		if c.mode == "baseline" || c.mode == "cached" {
			c.steadyKiB = 16384
		} else {
			c.steadyKiB = 1024
		}
	}
	if c.gcInterval < 0 {
		if c.mode == "grow" {
			c.gcInterval = time.Second
		} else {
			c.gcInterval = 0
		}
	}
	if c.keepCopies < 1 {
		c.keepCopies = 1
	}
	if c.schemaKiB < 1 {
		c.schemaKiB = 1
	}
	return c
}

// ---------------------------------------------------------------------------
// Fault injection

type faultState struct {
	mode  string
	delay time.Duration
}

var currentFault atomic.Pointer[faultState]

const htmlPage = `<!DOCTYPE html>
<html>
<head><title>Sign in</title></head>
<body>
<h1>Sign in to continue</h1>
<p>This page is served by e2e-target's "html" fault mode: a proxy or login page
answering in place of the pprof endpoint.</p>
</body>
</html>
`

// textFault (-text-fault) breaks only the text forms (?debug=N) of the
// profiles, so the binary profiles stay good while what the runtime says of
// its memory (?debug=1's MemStats block) is missing.
var textFault = "none"

var textFaultModes = []string{"none", "404", "html", "garbage"}

// withFaults wraps the /debug/pprof/ handlers.
func withFaults(base context.Context, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("debug") != "" && textFault != "none" {
			switch textFault {
			case "404":
				http.NotFound(w, r)
			case "html":
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				io.WriteString(w, htmlPage)
			default:
				io.WriteString(w, "heap profile: garbage \x00\x01 no memstats here\n")
			}
			return
		}
		f := currentFault.Load()
		switch f.mode {
		case "404":
			http.NotFound(w, r)
		case "500":
			http.Error(w, "500 internal server error (injected by e2e-target fault mode 500)", http.StatusInternalServerError)
		case "html":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(http.StatusOK)
			io.WriteString(w, htmlPage)
		case "truncated":
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			res := rec.Result()
			body := rec.Body.Bytes()
			for k, v := range res.Header {
				w.Header()[k] = v
			}
			if res.StatusCode == http.StatusOK {
				body = body[:len(body)/2]
			}
			w.Header().Set("Content-Length", strconv.Itoa(len(body)))
			w.WriteHeader(res.StatusCode)
			w.Write(body)
		case "slow":
			t := time.NewTimer(f.delay)
			defer t.Stop()
			select {
			case <-t.C:
			case <-r.Context().Done():
				return
			case <-base.Done():
				http.Error(w, "shutting down", http.StatusServiceUnavailable)
				return
			}
			next.ServeHTTP(w, r)
		default:
			next.ServeHTTP(w, r)
		}
	})
}

// ---------------------------------------------------------------------------
// Workloads. Function names are part of the contract: tests match frames
// such as main.leakyWorker, main.(*grower).grow, main.(*openapiClient).fetchSchema,
// main.decodeSchema and main.(*informerCache).fill.

// informerCache is long-lived state that is not OpenAPI related (like a
// controller's informer caches), so that the OpenAPI share of the heap is
// well below 100% even in baseline mode.
type informerCache struct {
	objects map[string]*cachedObject
}

type cachedObject struct {
	name, namespace string
	labels          map[string]string
	spec            []byte
}

//go:noinline
func (c *informerCache) fill(kib int) {
	c.objects = make(map[string]*cachedObject)
	const specSize = 2048
	for i := 0; i*specSize < kib*1024; i++ {
		spec := make([]byte, specSize)
		for j := range spec {
			spec[j] = byte('a' + (i+j)%26)
		}
		name := fmt.Sprintf("object-%06d", i)
		c.objects[name] = &cachedObject{
			name:      name,
			namespace: "e2e-target",
			labels:    map[string]string{"app": "e2e-target", "index": strconv.Itoa(i)},
			spec:      spec,
		}
	}
}

var idleSink []byte

//go:noinline
func idleTick() {
	// A little short-lived garbage so the allocs profile is not empty.
	idleSink = make([]byte, 16<<10)
	idleSink = nil
}

type grower struct {
	mu       sync.Mutex
	chunks   [][]byte
	retained int64
	limit    int64
}

//go:noinline
func (g *grower) grow(n int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.retained+int64(n) > g.limit {
		return
	}
	b := make([]byte, n)
	for i := 0; i < len(b); i += 4096 {
		b[i] = 1 // touch every page so RSS grows too
	}
	g.chunks = append(g.chunks, b)
	g.retained += int64(n)
}

var (
	leaked      atomic.Int64
	neverClosed = make(chan struct{})
)

// leakyWorker blocks forever on a channel nobody closes.
//
//go:noinline
func leakyWorker(ch <-chan struct{}) {
	<-ch
}

// cleanWorker blocks until its stop channel is closed, then exits.
//
//go:noinline
func cleanWorker(stop <-chan struct{}) {
	<-stop
}

// fakeAPIServer holds the OpenAPI document a real client would download.
type fakeAPIServer struct {
	doc []byte
}

// respond simulates reading the HTTP response body: a fresh copy each time.
//
//go:noinline
func (s *fakeAPIServer) respond() []byte {
	return append([]byte(nil), s.doc...)
}

type openapiClient struct {
	server  *fakeAPIServer
	cache   bool
	keep    int
	mu      sync.Mutex
	cached  map[string]interface{}
	recent  []map[string]interface{}
	fetches atomic.Int64
	decodes atomic.Int64
}

// decodeSchema is the expensive part: encoding/json into generic maps.
//
//go:noinline
func decodeSchema(body []byte) (map[string]interface{}, error) {
	var doc map[string]interface{}
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, err
	}
	return doc, nil
}

// fetchSchema downloads and decodes the document (no caching).
//
//go:noinline
func (c *openapiClient) fetchSchema() (map[string]interface{}, error) {
	body := c.server.respond()
	doc, err := decodeSchema(body)
	if err != nil {
		return nil, err
	}
	c.decodes.Add(1)
	return doc, nil
}

// schema returns the document the way the mode prescribes: baseline fetches
// and decodes every time and keeps the last few copies alive (as callers
// holding on to them would); cached decodes once.
func (c *openapiClient) schema() (map[string]interface{}, error) {
	c.fetches.Add(1)
	if c.cache {
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.cached == nil {
			doc, err := c.fetchSchema()
			if err != nil {
				return nil, err
			}
			c.cached = doc
		}
		return c.cached, nil
	}
	doc, err := c.fetchSchema()
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.recent = append(c.recent, doc)
	if len(c.recent) > c.keep {
		copy(c.recent, c.recent[len(c.recent)-c.keep:])
		for i := c.keep; i < len(c.recent); i++ {
			c.recent[i] = nil
		}
		c.recent = c.recent[:c.keep]
	}
	c.mu.Unlock()
	return doc, nil
}

func countSchemas(doc map[string]interface{}) int {
	comps, _ := doc["components"].(map[string]interface{})
	schemas, _ := comps["schemas"].(map[string]interface{})
	return len(schemas)
}

var words = strings.Fields(`the of resource object list status spec metadata name namespace label
annotation controller operator cluster extension catalog bundle package channel version image
reference condition reason message observed generation install upgrade rollback replica
selector template container volume secret config service account role binding webhook
certificate manager deployment revision phase ready available progressing deprecated
describes defines specifies optional required field value default minimum maximum pattern`)

func sentence(rng *rand.Rand, n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(words[rng.Intn(len(words))])
	}
	return b.String()
}

// generateAPIDocument deterministically builds an OpenAPI v3-shaped JSON
// document of roughly kib KiB.
func generateAPIDocument(kib int) []byte {
	rng := rand.New(rand.NewSource(20240601))
	target := kib * 1024
	var schemas, paths bytes.Buffer
	types := []string{"string", "integer", "boolean", "number", "array", "object"}
	formats := []string{"date-time", "int64", "int32", "byte", "uri", "uuid"}
	groups := []string{"apps", "batch", "core", "olm.operatorframework.io", "networking.k8s.io", "rbac.authorization.k8s.io", "apiextensions.k8s.io"}
	for i := 0; schemas.Len()+paths.Len() < target; i++ {
		group := groups[i%len(groups)]
		kind := fmt.Sprintf("Kind%04d", i)
		name := fmt.Sprintf("io.k8s.api.%s.v1.%s", group, kind)
		if i > 0 {
			schemas.WriteByte(',')
			paths.WriteByte(',')
		}
		fmt.Fprintf(&paths, `"/apis/%s/v1/namespaces/{namespace}/%ss":{"get":{"operationId":"list%s","description":%q,"parameters":[{"name":"namespace","in":"path","required":true,"schema":{"type":"string"}},{"name":"labelSelector","in":"query","schema":{"type":"string"}}],"responses":{"200":{"description":"OK","content":{"application/json":{"schema":{"$ref":"#/components/schemas/%s"}}}}}}}`,
			group, strings.ToLower(kind), kind, sentence(rng, 8), name)
		fmt.Fprintf(&schemas, `%q:{"type":"object","description":%q,"required":["apiVersion","kind","metadata"],"x-kubernetes-group-version-kind":[{"group":%q,"kind":%q,"version":"v1"}],"properties":{`,
			name, sentence(rng, 12), group, kind)
		nprops := 12 + rng.Intn(16)
		for p := 0; p < nprops; p++ {
			if p > 0 {
				schemas.WriteByte(',')
			}
			typ := types[rng.Intn(len(types))]
			fmt.Fprintf(&schemas, `"field%02d":{"type":%q,"description":%q`, p, typ, sentence(rng, 6+rng.Intn(8)))
			switch typ {
			case "string", "integer":
				fmt.Fprintf(&schemas, `,"format":%q`, formats[rng.Intn(len(formats))])
			case "array":
				fmt.Fprintf(&schemas, `,"items":{"$ref":"#/components/schemas/%s"}`, name)
			case "object":
				schemas.WriteString(`,"additionalProperties":{"type":"string"},"x-kubernetes-preserve-unknown-fields":true`)
			}
			if rng.Intn(4) == 0 {
				fmt.Fprintf(&schemas, `,"default":%d,"minimum":0,"maximum":%d`, rng.Intn(100), 100+rng.Intn(10000))
			}
			schemas.WriteByte('}')
		}
		schemas.WriteString(`}}`)
	}
	var doc bytes.Buffer
	doc.Grow(schemas.Len() + paths.Len() + 256)
	doc.WriteString(`{"openapi":"3.0.0","info":{"title":"e2e-target fake API server","version":"v1.0.0"},"paths":{`)
	doc.Write(paths.Bytes())
	doc.WriteString(`},"components":{"schemas":{`)
	doc.Write(schemas.Bytes())
	doc.WriteString(`}}}`)
	out := doc.Bytes()
	if !json.Valid(out) {
		panic("generated OpenAPI document is not valid JSON")
	}
	return out
}

// ---------------------------------------------------------------------------

type app struct {
	cfg     *config
	steady  informerCache
	grow    grower
	client  *openapiClient
	cleanMu sync.Mutex
	pool    []chan struct{}
	works   atomic.Int64
}

func (a *app) every(ctx context.Context, d time.Duration, f func()) {
	if d <= 0 {
		return
	}
	go func() {
		t := time.NewTicker(d)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				f()
			}
		}
	}()
}

// perTick spreads a per-second rate over 100ms ticks, carrying remainders.
func perTick(perSec int) func() int {
	acc := 0
	return func() int {
		acc += perSec
		n := acc / 10
		acc %= 10
		return n
	}
}

func (a *app) doWork() (map[string]interface{}, error) {
	a.works.Add(1)
	res := map[string]interface{}{"mode": a.cfg.mode}
	switch a.cfg.mode {
	case "baseline", "cached":
		doc, err := a.client.schema()
		if err != nil {
			return nil, err
		}
		res["schemas"] = countSchemas(doc)
		res["fetches"] = a.client.fetches.Load()
		res["decodes"] = a.client.decodes.Load()
	case "grow":
		a.grow.mu.Lock()
		res["retained_bytes"] = a.grow.retained
		a.grow.mu.Unlock()
	case "leak-goroutines":
		res["leaked"] = leaked.Load()
	default:
		idleTick()
	}
	res["goroutines"] = runtime.NumGoroutine()
	return res, nil
}

func (a *app) start(ctx context.Context) {
	c := a.cfg
	a.steady.fill(c.steadyKiB)
	a.every(ctx, c.gcInterval, runtime.GC)
	switch c.mode {
	case "idle":
		a.every(ctx, time.Second, idleTick)
	case "grow":
		a.grow.limit = int64(c.growMaxMiB) << 20
		n := perTick(c.growKiBPerSec)
		a.every(ctx, 100*time.Millisecond, func() { a.grow.grow(n() * 1024) })
	case "leak-goroutines":
		n := perTick(c.goroutinesPerSec)
		a.every(ctx, 100*time.Millisecond, func() {
			for k := n(); k > 0 && leaked.Load() < int64(c.maxGoroutines); k-- {
				leaked.Add(1)
				go leakyWorker(neverClosed)
			}
		})
	case "clean":
		a.cleanMu.Lock()
		for i := 0; i < c.goroutinesPerSec; i++ {
			ch := make(chan struct{})
			a.pool = append(a.pool, ch)
			go cleanWorker(ch)
		}
		a.cleanMu.Unlock()
		n := perTick(c.goroutinesPerSec)
		a.every(ctx, 100*time.Millisecond, func() {
			a.cleanMu.Lock()
			defer a.cleanMu.Unlock()
			for k := n(); k > 0 && len(a.pool) > 0; k-- {
				close(a.pool[0])
				a.pool = a.pool[1:]
				ch := make(chan struct{})
				a.pool = append(a.pool, ch)
				go cleanWorker(ch)
			}
		})
	case "baseline", "cached":
		a.client = &openapiClient{
			server: &fakeAPIServer{doc: generateAPIDocument(c.schemaKiB)},
			cache:  c.mode == "cached",
			keep:   c.keepCopies,
		}
		if _, err := a.client.schema(); err != nil {
			log.Fatalf("decoding the generated document: %v", err)
		}
		a.every(ctx, c.workInterval, func() {
			if _, err := a.client.schema(); err != nil {
				log.Printf("fetchSchema: %v", err)
			}
		})
	}
}

// serveMetrics writes a few metrics in the Prometheus text format (0.0.4),
// by hand since no client library is available: the process's resident
// memory and some go_memstats_* gauges, as client_golang names them.
func serveMetrics(w http.ResponseWriter, r *http.Request) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	rss := uint64(0)
	if statm, err := os.ReadFile("/proc/self/statm"); err == nil {
		if fields := strings.Fields(string(statm)); len(fields) > 1 {
			if pages, err := strconv.ParseUint(fields[1], 10, 64); err == nil {
				rss = pages * uint64(os.Getpagesize())
			}
		}
	}
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	gauge := func(name, help string, value uint64) {
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s gauge\n%s %d\n", name, help, name, name, value)
	}
	gauge("process_resident_memory_bytes", "Resident memory size in bytes.", rss)
	gauge("go_memstats_heap_inuse_bytes", "Number of heap bytes that are in use.", ms.HeapInuse)
	gauge("go_memstats_heap_alloc_bytes", "Number of heap bytes allocated and still in use.", ms.HeapAlloc)
	gauge("go_memstats_heap_sys_bytes", "Number of heap bytes obtained from system.", ms.HeapSys)
	gauge("go_memstats_sys_bytes", "Number of bytes obtained from system.", ms.Sys)
	gauge("go_memstats_stack_inuse_bytes", "Number of bytes in use by the stack allocator.", ms.StackInuse)
	gauge("go_memstats_next_gc_bytes", "Number of heap bytes when next garbage collection will take place.", ms.NextGC)
	gauge("go_goroutines", "Number of goroutines that currently exist.", uint64(runtime.NumGoroutine()))
	fmt.Fprintf(w, "# HELP go_gc_duration_seconds A summary of the pause duration of garbage collection cycles.\n# TYPE go_gc_duration_seconds summary\ngo_gc_duration_seconds{quantile=\"0.5\"} 1.2e-05\ngo_gc_duration_seconds_count %d\n", ms.NumGC)
}

func writeJSON(w http.ResponseWriter, code int, v interface{}) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

func (a *app) routes(base context.Context) *http.ServeMux {
	mux := http.NewServeMux()
	pp := http.NewServeMux()
	pp.HandleFunc("/debug/pprof/", pprof.Index)
	pp.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	pp.HandleFunc("/debug/pprof/profile", pprof.Profile)
	pp.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	pp.HandleFunc("/debug/pprof/trace", pprof.Trace)
	if a.cfg.goroutineLeakProfile {
		// A stand-in for Go 1.26's goroutineleak profile (same format as the
		// goroutine profile) so the offered path can be tested on Go 1.19;
		// without the flag it is "Unknown profile" (404) as on older Go.
		pp.HandleFunc("/debug/pprof/goroutineleak", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/octet-stream")
			runtimepprof.Lookup("goroutine").WriteTo(w, 0)
		})
	}
	mux.Handle("/debug/pprof/", withFaults(base, pp))

	mux.HandleFunc("/metrics", serveMetrics)
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok\n")
	})
	mux.HandleFunc("/work", func(w http.ResponseWriter, r *http.Request) {
		n := 1
		if s := r.FormValue("n"); s != "" {
			v, err := strconv.Atoi(s)
			if err != nil || v < 1 || v > 100 {
				http.Error(w, "n must be an integer in 1..100", http.StatusBadRequest)
				return
			}
			n = v
		}
		var res map[string]interface{}
		for i := 0; i < n; i++ {
			var err error
			if res, err = a.doWork(); err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
		}
		res["units"] = n
		writeJSON(w, http.StatusOK, res)
	})
	mux.HandleFunc("/stats", func(w http.ResponseWriter, r *http.Request) {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		f := currentFault.Load()
		res := map[string]interface{}{
			"mode":            a.cfg.mode,
			"fault":           f.mode,
			"goroutines":      runtime.NumGoroutine(),
			"heap_alloc":      ms.HeapAlloc,
			"heap_inuse":      ms.HeapInuse,
			"heap_objects":    ms.HeapObjects,
			"total_alloc":     ms.TotalAlloc,
			"num_gc":          ms.NumGC,
			"work_requests":   a.works.Load(),
			"leaked":          leaked.Load(),
			"memprofilerate":  runtime.MemProfileRate,
			"grow_retained":   func() int64 { a.grow.mu.Lock(); defer a.grow.mu.Unlock(); return a.grow.retained }(),
			"schema_fetches":  int64(0),
			"schema_decodes":  int64(0),
			"schema_doc_size": 0,
		}
		if a.client != nil {
			res["schema_fetches"] = a.client.fetches.Load()
			res["schema_decodes"] = a.client.decodes.Load()
			res["schema_doc_size"] = len(a.client.server.doc)
		}
		writeJSON(w, http.StatusOK, res)
	})
	mux.HandleFunc("/admin/fault", func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet, http.MethodHead:
			fmt.Fprintf(w, "fault=%s\n", currentFault.Load().mode)
			return
		case http.MethodPost, http.MethodPut:
		default:
			w.Header().Set("Allow", "GET, POST, PUT")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		m := r.FormValue("mode")
		if !contains(faultModes, m) {
			http.Error(w, fmt.Sprintf("unknown fault mode %q (want one of %s)", m, strings.Join(faultModes, ", ")), http.StatusBadRequest)
			return
		}
		st := &faultState{mode: m, delay: a.cfg.slowDelay}
		if s := r.FormValue("delay"); s != "" {
			d, err := time.ParseDuration(s)
			if err != nil || d < 0 {
				http.Error(w, "bad delay: "+s, http.StatusBadRequest)
				return
			}
			st.delay = d
		}
		currentFault.Store(st)
		log.Printf("fault mode set to %s", m)
		fmt.Fprintf(w, "fault=%s\n", m)
	})
	mux.HandleFunc("/admin/exit", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", "POST")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		code := 1
		if s := r.FormValue("code"); s != "" {
			v, err := strconv.Atoi(s)
			if err != nil || v < 0 || v > 255 {
				http.Error(w, "bad code: "+s, http.StatusBadRequest)
				return
			}
			code = v
		}
		fmt.Fprintf(w, "exiting with status %d\n", code)
		if fl, ok := w.(http.Flusher); ok {
			fl.Flush()
		}
		log.Printf("exiting with status %d (POST /admin/exit)", code)
		go func() {
			time.Sleep(50 * time.Millisecond)
			os.Exit(code)
		}()
	})
	return mux
}

func writePortFile(path string, port int) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintf(tmp, "%d\n", port); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return nil
}

func main() {
	log.SetFlags(log.LstdFlags | log.Lmicroseconds)
	log.SetPrefix("e2e-target: ")
	cfg := parseFlags()
	if cfg.memProfileRate >= 0 {
		runtime.MemProfileRate = cfg.memProfileRate
	}
	currentFault.Store(&faultState{mode: cfg.fault, delay: cfg.slowDelay})

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	base, cancelBase := context.WithCancel(context.Background())
	defer cancelBase()

	ln, err := net.Listen("tcp", cfg.listen)
	if err != nil {
		log.Printf("listen: %v", err)
		os.Exit(1)
	}
	a := &app{cfg: cfg}
	a.start(base)
	// Publish the startup allocations in the heap profile right away (it
	// reflects the state as of the last completed GC cycles).
	runtime.GC()
	runtime.GC()

	srv := &http.Server{
		Handler:           a.routes(base),
		ReadHeaderTimeout: 10 * time.Second,
		WriteTimeout:      cfg.writeTimeout,
		BaseContext:       func(net.Listener) context.Context { return base },
	}

	fmt.Fprintf(os.Stdout, "listening on %s\n", ln.Addr())
	os.Stdout.Sync()
	if cfg.portFile != "" {
		if err := writePortFile(cfg.portFile, ln.Addr().(*net.TCPAddr).Port); err != nil {
			log.Printf("writing -port-file: %v", err)
			os.Exit(1)
		}
	}
	log.Printf("mode=%s fault=%s pid=%d serving pprof on http://%s/debug/pprof/", cfg.mode, cfg.fault, os.Getpid(), ln.Addr())

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()

	var exitTimer <-chan time.Time
	if cfg.exitAfter > 0 {
		exitTimer = time.After(cfg.exitAfter)
	}
	select {
	case err := <-errc:
		log.Printf("serve: %v", err)
		os.Exit(1)
	case <-ctx.Done():
		log.Printf("signal received, shutting down")
	case <-exitTimer:
		log.Printf("-exit-after %s elapsed, shutting down", cfg.exitAfter)
	}
	stop()
	cancelBase() // stops workers and wakes requests sleeping in the slow fault
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		log.Printf("shutdown: %v", err)
	}
}
