// Command loadbench measures bin/lokaal serve under load, on loopback, for
// make bench (e2e/bench.sh): signed count batches from 1 to 512 concurrent
// senders, each level on a fresh server with a fresh database; /healthz
// under a flood of failed logins; and SIGKILL trials that count the
// acknowledged batches a crash lost. It prints a table and writes the
// figures as JSON. It asserts nothing: the figures are the result.
//
//	go run ./internal/cmd/loadbench -bin bin/lokaal -out out/bench-load.json
//
// Every sender is a device of its own, from an address of its own
// (127.0.x.y: the per-address limits are for buildings, not for a bench),
// sending batches one after another, each signed before the clock starts so
// that the bench's own signing does not compete with the server for the
// CPU. Throughput is set beside the Ed25519 verify bound measured in the
// same process on one core: every batch costs the server one verify.
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	_ "modernc.org/sqlite"

	"github.com/lokaal-nl/lokaal/wasm/wire"
)

const token = "loadbench-admin-token-0123456789abcdef"

// build is the client build the bench's batches name; the server is told
// to allow it.
var build = strings.Repeat("ab", 32)

func main() {
	bin := flag.String("bin", "bin/lokaal", "the lokaal binary")
	levels := flag.String("levels", "1,8,32,128,512", "concurrent senders, one level after another")
	requests := flag.Int("requests", 16000, "batches per level (at least 4 per sender)")
	trials := flag.Int("crash-trials", 100, "SIGKILL trials")
	flood := flag.Duration("flood", 3*time.Second, "how long the failed-login flood runs")
	out := flag.String("out", "out/bench-load.json", "where the figures go")
	flag.Parse()
	dir, err := os.MkdirTemp("", "loadbench")
	if err != nil {
		fatal(err)
	}
	defer os.RemoveAll(dir)

	r := report{Command: strings.Join(os.Args, " ")}
	r.VerifyBefore = verifyRate(time.Second)
	for _, f := range strings.Split(*levels, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			fatal(fmt.Errorf("bad level %q", f))
		}
		l, err := runLevel(*bin, filepath.Join(dir, "level-"+f+".db"), n, max(*requests, 4*n))
		if err != nil {
			fatal(fmt.Errorf("%d senders: %w", n, err))
		}
		r.Levels = append(r.Levels, l)
		fmt.Fprintf(os.Stderr, "  %d senders: %.0f batches/s, p50 %.2f ms, p99 %.2f ms, %d 5xx\n", n, l.PerS, l.P50MS, l.P99MS, l.Status5xx)
	}
	r.VerifyAfter = verifyRate(time.Second)
	r.VerifyBound = max(r.VerifyBefore, r.VerifyAfter)
	for i := range r.Levels {
		r.Levels[i].OfVerify = r.Levels[i].PerS / r.VerifyBound
	}
	if *flood > 0 {
		f, err := runFlood(*bin, filepath.Join(dir, "flood.db"), 64, *flood)
		if err != nil {
			fatal(fmt.Errorf("login flood: %w", err))
		}
		r.Flood = &f
	}
	if *trials > 0 {
		c, err := runCrash(*bin, filepath.Join(dir, "crash.db"), 8, *trials)
		if err != nil {
			fatal(fmt.Errorf("crash trials: %w", err))
		}
		r.Crash = &c
	}
	r.print(os.Stdout)
	js, _ := json.MarshalIndent(r, "", " ")
	if err := os.WriteFile(*out, append(js, '\n'), 0o644); err != nil {
		fatal(err)
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "loadbench:", err)
	os.Exit(1)
}

type report struct {
	Command      string  `json:"command"`
	VerifyBefore float64 `json:"ed25519_verify_per_s_before"`
	VerifyAfter  float64 `json:"ed25519_verify_per_s_after"`
	// VerifyBound is the higher of the two: the ratio errs low.
	VerifyBound float64 `json:"ed25519_verify_per_s"`
	Levels      []level `json:"levels"`
	Flood       *flood  `json:"login_flood,omitempty"`
	Crash       *crash  `json:"crash,omitempty"`
}

type level struct {
	Senders   int     `json:"senders"`
	Requests  int     `json:"requests"`
	Acked     int     `json:"acked"`
	PerS      float64 `json:"batches_per_s"`
	P50MS     float64 `json:"p50_ms"`
	P99MS     float64 `json:"p99_ms"`
	MaxMS     float64 `json:"max_ms"`
	Status5xx int     `json:"status_5xx"`
	// Statuses counts every answer by status; 0 is a request that got no
	// answer (a connection error).
	Statuses map[int]int `json:"statuses"`
	OfVerify float64     `json:"share_of_verify_bound"`
	// ServerCPUUS is the server process's CPU time (all its threads) per
	// batch sent: steadier than throughput on a shared machine.
	ServerCPUUS float64 `json:"server_cpu_us_per_batch"`
	// Fsync is a probe's fsync latency on the database's disk while the
	// level ran: every acknowledged batch waits for its group's fsync, so
	// the disk's tail is a floor under the level's.
	FsyncP50MS float64 `json:"fsync_p50_ms"`
	FsyncP99MS float64 `json:"fsync_p99_ms"`
	FsyncMaxMS float64 `json:"fsync_max_ms"`
}

type flood struct {
	Senders        int         `json:"login_senders"`
	Seconds        float64     `json:"seconds"`
	LoginStatuses  map[int]int `json:"login_statuses"`
	Login5xx       int         `json:"login_5xx"`
	HealthzN       int         `json:"healthz_n"`
	HealthzNot200  int         `json:"healthz_not_200"`
	HealthzP50MS   float64     `json:"healthz_p50_ms"`
	HealthzP99MS   float64     `json:"healthz_p99_ms"`
	HealthzMaxMS   float64     `json:"healthz_max_ms"`
	HealthzOver100 int         `json:"healthz_over_100ms"`
}

type crash struct {
	Trials    int `json:"trials"`
	Senders   int `json:"senders"`
	Acked     int `json:"acked"`
	AckedLost int `json:"acked_lost"`
	Resent    int `json:"resent_after_crash"`
	ResentDup int `json:"resent_answered_duplicate"`
	Conflicts int `json:"seq_conflicts"`
	Status5xx int `json:"status_5xx"`
	// StoredUnsure: batches in flight at the kill that reached the disk
	// unacknowledged (fine: their resend is answered "duplicate").
	StoredUnsure int `json:"stored_unacknowledged"`
}

// verifyRate is Ed25519 verifies per second on this goroutine.
func verifyRate(d time.Duration) float64 {
	pub, priv, _ := ed25519.GenerateKey(nil)
	msg := bytes.Repeat([]byte{7}, 200) // about a batch's signing bytes
	sig := ed25519.Sign(priv, msg)
	n, start := 0, time.Now()
	for time.Since(start) < d {
		for range 100 {
			if !ed25519.Verify(pub, msg, sig) {
				panic("verify")
			}
		}
		n += 100
	}
	return float64(n) / time.Since(start).Seconds()
}

// server is one bin/lokaal serve.
type server struct {
	cmd  *exec.Cmd
	base string
	log  string // its stderr
}

var servingLine = regexp.MustCompile(`serving on (http://[0-9.:]+)/`)

func start(bin, db string) (*server, error) {
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--db", db, "--allow-build", build)
	cmd.Env = append(os.Environ(), "LOKAAL_ADMIN_TOKEN="+token)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	// The server logs a line a request: to a file, which costs the bench
	// nothing to keep.
	log, err := os.Create(db + ".log")
	if err != nil {
		return nil, err
	}
	defer log.Close()
	s := &server{cmd: cmd, log: db + ".log"}
	cmd.Stderr = log
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	lines := bufio.NewScanner(stdout)
	for lines.Scan() {
		if m := servingLine.FindStringSubmatch(lines.Text()); m != nil {
			s.base = m[1]
			go io.Copy(io.Discard, stdout)
			return s, nil
		}
	}
	cmd.Wait()
	tail, _ := os.ReadFile(s.log)
	return nil, fmt.Errorf("the server exited before serving: %s", tail[max(0, len(tail)-2000):])
}

func (s *server) stop() {
	s.cmd.Process.Signal(syscall.SIGTERM)
	s.cmd.Wait()
}

func (s *server) kill() {
	s.cmd.Process.Signal(syscall.SIGKILL)
	s.cmd.Wait()
}

// localAddr is sender i's own loopback address.
func localAddr(i int) *net.TCPAddr {
	return &net.TCPAddr{IP: net.IPv4(127, 0, byte(1+i/250), byte(1+i%250))}
}

// client sends from its own loopback address, on one kept-alive connection.
func client(i int) *http.Client {
	d := &net.Dialer{LocalAddr: localAddr(i), Timeout: 10 * time.Second}
	return &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{DialContext: d.DialContext, MaxIdleConnsPerHost: 1}}
}

func call(c *http.Client, method, url string, body any, admin bool) (int, []byte, error) {
	var r io.Reader
	if body != nil {
		js, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		r = bytes.NewReader(js)
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if admin {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res.StatusCode, b, err
}

// device is one enrolled sender with its key and the start of its clock.
type device struct {
	id    string
	priv  ed25519.PrivateKey
	t0    int64 // Unix ms: batch seq covers [t0+seq, t0+seq+1)
	local *net.TCPAddr
	conn  net.Conn // kept alive between batches; nil after an error
	read  *bufio.Reader
	bodys map[int64][]byte
}

// body is the signed batch seq, the same bytes every time (Ed25519 is
// deterministic): a resend is a resend.
func (d *device) body(seq int64) []byte {
	if b, ok := d.bodys[seq]; ok {
		return b
	}
	b, _ := json.Marshal(wire.CountBatch{Device: d.id, Seq: seq, Build: build, Start: d.t0 + seq, End: d.t0 + seq + 1,
		Lines: []wire.LineCount{{Line: "door", In: 1, Out: 0}}}.Sign(d.priv))
	d.bodys[seq] = b
	return b
}

// send posts batch seq and reads the answer. The sender is lean on
// purpose, as wrk is: the request's bytes are built before the clock
// starts and written whole to one kept-alive connection, so that the
// bench's own HTTP client takes little of the CPU the server shares with
// it (net/http's client took about as much as the server).
func (d *device) send(base string, seq int64) (int, string, error) {
	if d.conn == nil {
		dl := net.Dialer{LocalAddr: d.local, Timeout: 10 * time.Second}
		c, err := dl.Dial("tcp", strings.TrimPrefix(base, "http://"))
		if err != nil {
			return 0, "", err
		}
		d.conn, d.read = c, bufio.NewReader(c)
	}
	body := d.body(seq)
	req := fmt.Appendf(nil, "POST /api/v1/counts HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n",
		strings.TrimPrefix(base, "http://"), len(body))
	d.conn.SetDeadline(time.Now().Add(60 * time.Second))
	res, err := d.roundTrip(append(req, body...))
	if err != nil {
		d.conn.Close()
		d.conn = nil
		return 0, "", err
	}
	var a struct {
		Status string `json:"status"`
		Code   string `json:"code"`
	}
	json.Unmarshal(res.body, &a)
	if res.close {
		d.conn.Close()
		d.conn = nil
	}
	return res.status, a.Status + a.Code, nil
}

type answer struct {
	status int
	body   []byte
	close  bool
}

func (d *device) roundTrip(req []byte) (answer, error) {
	if _, err := d.conn.Write(req); err != nil {
		return answer{}, err
	}
	res, err := http.ReadResponse(d.read, nil)
	if err != nil {
		return answer{}, err
	}
	b, err := io.ReadAll(res.Body)
	res.Body.Close()
	return answer{res.StatusCode, b, res.Close}, err
}

// enrol creates a kiosk and enrols n devices for it.
func enrol(base string, n int) ([]*device, error) {
	admin := client(1000)
	line := wire.Line{Name: "door", A: [2]float64{0, 0.8}, B: [2]float64{1, 0.8}, Mode: wire.Immediate}
	status, body, err := call(admin, "POST", base+"/api/v1/kiosks", map[string]any{"name": "Bench", "room": "bench", "lines": []wire.Line{line}}, true)
	if err != nil || status != 201 {
		return nil, fmt.Errorf("create kiosk: %d %s %v", status, body, err)
	}
	var k struct {
		Kiosk struct {
			ID string `json:"id"`
		} `json:"kiosk"`
		Code string `json:"enrolment_code"`
	}
	json.Unmarshal(body, &k)
	devs := make([]*device, n)
	for i := range devs {
		if i > 0 {
			status, body, err = call(admin, "POST", base+"/api/v1/kiosks/"+k.Kiosk.ID+"/enrolment-code", nil, true)
			if err != nil || status != 201 && status != 200 {
				return nil, fmt.Errorf("enrolment code: %d %s %v", status, body, err)
			}
			json.Unmarshal(body, &k)
		}
		pub, priv, _ := ed25519.GenerateKey(nil)
		status, body, err = call(admin, "POST", base+"/api/v1/enrol", wire.EnrolRequest{Code: k.Code, PublicKey: base64.StdEncoding.EncodeToString(pub)}, false)
		if err != nil || status != 201 {
			return nil, fmt.Errorf("enrol: %d %s %v", status, body, err)
		}
		var e wire.EnrolResponse
		json.Unmarshal(body, &e)
		devs[i] = &device{id: e.Device, priv: priv, t0: time.Now().Add(time.Second).UnixMilli(), local: localAddr(i), bodys: map[int64][]byte{}}
	}
	return devs, nil
}

func runLevel(bin, db string, senders, requests int) (level, error) {
	s, err := start(bin, db)
	if err != nil {
		return level{}, err
	}
	defer s.stop()
	devs, err := enrol(s.base, senders)
	if err != nil {
		return level{}, err
	}
	each := requests / senders
	for _, d := range devs {
		for seq := range int64(each) {
			d.body(seq + 1)
		}
	}
	took := make([][]time.Duration, senders)
	statuses := make([]map[int]int, senders)
	var wg sync.WaitGroup
	stopProbe := make(chan struct{})
	probed := make(chan []time.Duration)
	go func() { probed <- fsyncProbe(filepath.Dir(db), stopProbe) }()
	begin, cpu0 := time.Now(), s.cpu()
	for i, d := range devs {
		statuses[i] = map[int]int{}
		wg.Go(func() {
			for seq := range int64(each) {
				t := time.Now()
				status, _, _ := d.send(s.base, seq+1)
				took[i] = append(took[i], time.Since(t))
				statuses[i][status]++
			}
		})
	}
	wg.Wait()
	elapsed, cpu := time.Since(begin), s.cpu()-cpu0
	close(stopProbe)
	fsyncs := <-probed
	l := level{Senders: senders, Requests: each * senders, Statuses: map[int]int{}}
	var all []time.Duration
	for i := range devs {
		all = append(all, took[i]...)
		for st, n := range statuses[i] {
			l.Statuses[st] += n
		}
	}
	for st, n := range l.Statuses {
		if st == 200 || st == 201 {
			l.Acked += n
		}
		if st >= 500 {
			l.Status5xx += n
		}
	}
	l.PerS = float64(l.Acked) / elapsed.Seconds()
	l.ServerCPUUS = float64(cpu.Microseconds()) / float64(max(1, l.Requests))
	l.P50MS, l.P99MS, l.MaxMS = pct(all, 50), pct(all, 99), pct(all, 100)
	l.FsyncP50MS, l.FsyncP99MS, l.FsyncMaxMS = pct(fsyncs, 50), pct(fsyncs, 99), pct(fsyncs, 100)
	return l, nil
}

// fsyncProbe rewrites one 4 KB block of a file in dir and fsyncs it every
// 20 ms until stop, as SQLite's commit does its WAL, and returns how long
// each fsync took.
func fsyncProbe(dir string, stop <-chan struct{}) []time.Duration {
	f, err := os.CreateTemp(dir, "fsync-probe")
	if err != nil {
		return nil
	}
	defer os.Remove(f.Name())
	defer f.Close()
	block := make([]byte, 4096)
	var took []time.Duration
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return took
		case <-tick.C:
		}
		t := time.Now()
		if _, err := f.WriteAt(block, 0); err != nil {
			return took
		}
		if err := f.Sync(); err != nil {
			return took
		}
		took = append(took, time.Since(t))
	}
}

// pct is the nearest-rank percentile, in ms.
func pct(d []time.Duration, p int) float64 {
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	i := max(0, (len(d)*p+99)/100-1)
	return float64(d[i].Microseconds()) / 1000
}

// runFlood sends failed logins from senders addresses for d, each with a
// name of its own (so that no per-account limit answers them alone), and
// asks /healthz every 20 ms meanwhile.
func runFlood(bin, db string, senders int, d time.Duration) (flood, error) {
	s, err := start(bin, db)
	if err != nil {
		return flood{}, err
	}
	defer s.stop()
	f := flood{Senders: senders, LoginStatuses: map[int]int{}}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := range senders {
		wg.Go(func() {
			c := client(i)
			for n := 0; ctx.Err() == nil; n++ {
				status, _, _ := call(c, "POST", s.base+"/auth/login", map[string]string{"name": fmt.Sprintf("user-%d-%d", i, n), "password": "wrong password"}, false)
				mu.Lock()
				f.LoginStatuses[status]++
				mu.Unlock()
			}
		})
	}
	var took []time.Duration
	probe := client(1001)
	begin := time.Now()
	for ctx.Err() == nil {
		t := time.Now()
		status, _, _ := call(probe, "GET", s.base+"/healthz", nil, false)
		took = append(took, time.Since(t))
		if status != 200 {
			f.HealthzNot200++
		}
		time.Sleep(20 * time.Millisecond)
	}
	wg.Wait()
	f.Seconds = time.Since(begin).Seconds()
	for st, n := range f.LoginStatuses {
		if st >= 500 {
			f.Login5xx += n
		}
	}
	for _, t := range took {
		if t > 100*time.Millisecond {
			f.HealthzOver100++
		}
	}
	f.HealthzN = len(took)
	f.HealthzP50MS, f.HealthzP99MS, f.HealthzMaxMS = pct(took, 50), pct(took, 99), pct(took, 100)
	return f, nil
}

// runCrash runs trials of: start the server on one database, send batches
// from senders devices, SIGKILL the server at a random moment, and then
// read the database file: every batch the server acknowledged must be in
// it. The next trial's server gets first the batch each device had in
// flight at the kill (stored or not, the same bytes), which must be
// answered "duplicate" if it was stored and "stored" if not.
func runCrash(bin, db string, senders, trials int) (crash, error) {
	c := crash{Trials: trials, Senders: senders}
	s, err := start(bin, db)
	if err != nil {
		return c, err
	}
	devs, err := enrol(s.base, senders)
	s.stop()
	if err != nil {
		return c, err
	}
	next := make([]int64, senders) // the first seq each device has not seen acknowledged
	for i := range next {
		next[i] = 1
	}
	inflight := make([]int64, senders) // a seq stored but not acknowledged before the kill, or 0
	for range trials {
		s, err := start(bin, db)
		if err != nil {
			return c, err
		}
		acked := make([][]int64, senders)
		stop := make(chan struct{})
		var wg sync.WaitGroup
		var mu sync.Mutex
		for i, d := range devs {
			wg.Go(func() {
				for seq := next[i]; ; seq++ {
					select {
					case <-stop:
						return
					default:
					}
					status, answer, err := d.send(s.base, seq)
					if err != nil {
						return // the server is gone
					}
					mu.Lock()
					if seq == inflight[i] {
						c.Resent++
						if answer == "duplicate" {
							c.ResentDup++
						}
					}
					switch {
					case status == 200 || status == 201:
						acked[i] = append(acked[i], seq)
					case status == 409:
						c.Conflicts++
					case status >= 500:
						c.Status5xx++
					}
					mu.Unlock()
					if status != 200 && status != 201 {
						return
					}
				}
			})
		}
		time.Sleep(time.Duration(50+rand.IntN(400)) * time.Millisecond)
		s.kill()
		close(stop)
		wg.Wait()
		lost, unsure, err := check(db, devs, acked, next)
		if err != nil {
			return c, err
		}
		c.AckedLost += lost
		for i := range devs {
			inflight[i] = unsure[i]
			if unsure[i] != 0 {
				c.StoredUnsure++
			}
			c.Acked += len(acked[i])
			if n := len(acked[i]); n > 0 {
				next[i] = acked[i][n-1] + 1
			}
		}
	}
	return c, nil
}

// check opens the database a killed server left, as the next start would
// (SQLite recovers the WAL), and counts the acknowledged batches missing
// from it, and the unacknowledged ones (in flight at the kill) present.
func check(path string, devs []*device, acked [][]int64, next []int64) (lost int, unsure []int64, err error) {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		return 0, nil, err
	}
	unsure = make([]int64, len(devs))
	defer db.Close()
	for i, d := range devs {
		from := next[i]
		rows, err := db.Query("SELECT seq, hash FROM batches WHERE device_id = ? AND seq >= ?", d.id, from)
		if err != nil {
			return 0, nil, err
		}
		stored := map[int64]string{}
		for rows.Next() {
			var seq int64
			var hash string
			if err := rows.Scan(&seq, &hash); err != nil {
				rows.Close()
				return 0, nil, err
			}
			stored[seq] = hash
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return 0, nil, err
		}
		for _, seq := range acked[i] {
			var signed wire.SignedCountBatch
			if err := json.Unmarshal(d.body(seq), &signed); err != nil {
				return 0, nil, err
			}
			sum := sha256.Sum256(signed.Batch.SigningBytes())
			if stored[seq] != hex.EncodeToString(sum[:]) {
				lost++
			}
			delete(stored, seq)
		}
		// A device has one batch in flight at most: the one after its last
		// acknowledged, which the kill may or may not have let commit.
		for seq := range stored {
			unsure[i] = seq
		}
	}
	return lost, unsure, nil
}

func (r report) print(w io.Writer) {
	fmt.Fprintf(w, "  Ed25519 verify, one core: %.0f/s (before the load %.0f, after %.0f)\n", r.VerifyBound, r.VerifyBefore, r.VerifyAfter)
	fmt.Fprintln(w, "  | senders | batches/s | p50 ms | p99 ms | max ms | 5xx | other non-2xx | share of verify bound | server CPU µs per batch | disk fsync p50 / p99 / max ms |")
	fmt.Fprintln(w, "  |---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, l := range r.Levels {
		fmt.Fprintf(w, "  | %d | %.0f | %.2f | %.2f | %.1f | %d | %d | %.3f | %.0f | %.2f / %.2f / %.1f |\n", l.Senders, l.PerS, l.P50MS, l.P99MS, l.MaxMS, l.Status5xx, l.Requests-l.Acked-l.Status5xx, l.OfVerify, l.ServerCPUUS, l.FsyncP50MS, l.FsyncP99MS, l.FsyncMaxMS)
	}
	if f := r.Flood; f != nil {
		fmt.Fprintf(w, "  login flood, %d addresses for %.1f s: logins %v (%d 5xx); /healthz %d asked, %d not 200, p50 %.2f ms, p99 %.2f ms, max %.1f ms, %d over 100 ms\n",
			f.Senders, f.Seconds, f.LoginStatuses, f.Login5xx, f.HealthzN, f.HealthzNot200, f.HealthzP50MS, f.HealthzP99MS, f.HealthzMaxMS, f.HealthzOver100)
	}
	if c := r.Crash; c != nil {
		fmt.Fprintf(w, "  crash: %d SIGKILL trials, %d senders: %d acknowledged, acknowledged-lost %d; %d stored unacknowledged at a kill, resent: %d answered duplicate; %d seq conflicts, %d 5xx\n",
			c.Trials, c.Senders, c.Acked, c.AckedLost, c.Resent, c.ResentDup, c.Conflicts, c.Status5xx)
	}
}

// cpu is the CPU time the server has used so far (Linux's /proc), or 0
// where that cannot be read.
func (s *server) cpu() time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	// Fields after the command's ")": state is the 3rd field, utime and
	// stime the 14th and 15th, in clock ticks (100 a second on Linux).
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	k, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+k) * 10 * time.Millisecond
}
