package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lokaal-nl/lokaal/server"
	"github.com/lokaal-nl/lokaal/server/d1"
)

// The writer is native SQLite's one writing connection (Open starts it).
// SQLite lets one transaction write at a time, and each commit costs an
// fsync (synchronous=FULL): a transaction per request made requests queue
// on the file lock, fsync one by one, and fail with "database is locked"
// once the busy timeout ran out. Instead every write transaction (tx) is
// a job for one goroutine, which runs the jobs that are waiting in one
// transaction, each inside its own SAVEPOINT, and commits them with one
// fsync (group commit). A job is answered only after that commit: an
// acknowledged write is on disk.
//
// A job that fails rolls back to its savepoint, so it stores nothing and
// its group-mates keep their writes. Should the transaction itself break
// (SQLite rolls a whole transaction back on some errors, an interrupted
// statement among them), the group's jobs run again, each alone: every
// job is a pure function of the state it reads (see sqlite.go), so a
// rerun is the same transaction on the state it finds.
//
// Jobs queue in a bounded channel. A job that finds it full, or that waits
// longer than the writer's deadline, is refused with server.ErrOverloaded
// (503 and Retry-After) and stores nothing, so overload slows clients down
// instead of failing them with a 500.
type writer struct {
	conn     *sql.Conn
	jobs     chan *job
	deadline time.Duration // how long a job may wait for its turn
	maxGroup int           // jobs in one transaction at most
	stop     chan struct{}
	stopped  chan struct{}
	closing  sync.Once
}

// writerOptions size the writer's queue; Open uses defaultWriter, tests
// smaller ones.
type writerOptions struct {
	Queue    int           // jobs that may wait; one more is refused
	Deadline time.Duration // how long one may wait before it is refused
	MaxGroup int           // jobs committed together at most
}

// defaultWriter: the queue holds more jobs than the server has requests
// in flight in any load we measured (512 senders), and a job that waited
// two seconds is better answered "try again" than left to time out.
var defaultWriter = writerOptions{Queue: 4096, Deadline: 2 * time.Second, MaxGroup: 512}

const (
	queued int32 = iota
	claimed
	abandoned
)

type job struct {
	fn    func(*sql.Tx) error // a write transaction's body, or
	raw   func(*sql.Conn) error
	ctx   context.Context
	state atomic.Int32
	done  chan error
}

func startWriter(ctx context.Context, db *sql.DB, o writerOptions) (*writer, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	w := &writer{conn: conn, jobs: make(chan *job, o.Queue), deadline: o.Deadline, maxGroup: max(1, o.MaxGroup),
		stop: make(chan struct{}), stopped: make(chan struct{})}
	go w.loop()
	return w, nil
}

// close stops the writer once the jobs already queued are done.
func (w *writer) close() error {
	var err error
	w.closing.Do(func() {
		close(w.stop)
		<-w.stopped
		err = w.conn.Close()
	})
	return err
}

var errClosed = errors.New("sqlite: the database is closed")

// do queues a job and waits for its answer.
func (w *writer) do(ctx context.Context, j *job) error {
	j.ctx, j.done = ctx, make(chan error, 1)
	if err := ctx.Err(); err != nil {
		return err
	}
	select {
	case w.jobs <- j:
	default:
		return fmt.Errorf("%w: %d writes queued", server.ErrOverloaded, cap(w.jobs))
	}
	t := time.NewTimer(w.deadline)
	defer t.Stop()
	select {
	case err := <-j.done:
		return err
	case <-t.C:
		if j.state.CompareAndSwap(queued, abandoned) {
			return fmt.Errorf("%w: a write waited %v for its turn", server.ErrOverloaded, w.deadline)
		}
	case <-ctx.Done():
		if j.state.CompareAndSwap(queued, abandoned) {
			return ctx.Err()
		}
	case <-w.stopped:
		if j.state.CompareAndSwap(queued, abandoned) {
			return errClosed
		}
	}
	// The writer has it: its answer is the truth about what was stored.
	return <-j.done
}

func (w *writer) loop() {
	defer close(w.stopped)
	var next *job
	for {
		if next == nil {
			select {
			case next = <-w.jobs:
			case <-w.stop:
				select {
				case next = <-w.jobs: // drain what was queued before close
				default:
					return
				}
			}
		}
		if next.raw != nil {
			if next.state.CompareAndSwap(queued, claimed) {
				next.done <- busy(next.raw(w.conn))
			}
			next = nil
			continue
		}
		next = w.group(next)
	}
}

// group runs first and then whatever else is queued, up to maxGroup jobs,
// in one transaction, and answers them after its commit. It returns a raw
// job it met, which must run outside a transaction, next.
func (w *writer) group(first *job) (next *job) {
	if !first.state.CompareAndSwap(queued, claimed) {
		return nil
	}
	tx, err := w.conn.BeginTx(context.Background(), nil) // BEGIN IMMEDIATE (Open's _txlock)
	if err != nil {
		first.done <- busy(err)
		return nil
	}
	var ok []*job // succeeded, answered at the commit
	j := first
	for n := 1; ; n++ {
		err, broken := w.one(tx, j)
		if broken {
			tx.Rollback() // ends what is left of it; SQLite may have ended it already
			for _, k := range append(ok, j) {
				k.done <- w.alone(k)
			}
			return nil
		}
		if err != nil {
			j.done <- err
		} else {
			ok = append(ok, j)
		}
		if j = w.claim(n); j == nil || j.raw != nil {
			next = j
			break
		}
	}
	if err := tx.Commit(); err != nil {
		// Nothing of the group is stored (a failed COMMIT may leave the
		// transaction open: end it). Each job gets a transaction of its
		// own, and with it its own answer.
		w.conn.ExecContext(context.Background(), "ROLLBACK")
		for _, k := range ok {
			k.done <- w.alone(k)
		}
		return next
	}
	for _, k := range ok {
		k.done <- nil
	}
	return next
}

// claim takes the next queued job that nobody abandoned, or nil when the
// queue is empty or the group is full. A raw job is returned unclaimed.
func (w *writer) claim(n int) *job {
	for n < w.maxGroup {
		select {
		case j := <-w.jobs:
			if j.raw != nil {
				return j
			}
			if j.state.CompareAndSwap(queued, claimed) {
				return j
			}
		default:
			return nil
		}
	}
	return nil
}

// one runs j inside its own savepoint of tx. broken reports that tx itself
// is gone, so nothing in it will commit.
func (w *writer) one(tx *sql.Tx, j *job) (err error, broken bool) {
	bg := context.Background() // the request's ctx must not interrupt its group-mates' savepoints
	if _, err := tx.ExecContext(bg, "SAVEPOINT job"); err != nil {
		return err, true
	}
	if err = run(j, tx); err == nil {
		if _, err := tx.ExecContext(bg, "RELEASE job"); err != nil {
			return err, true
		}
		return nil, false
	}
	if _, rerr := tx.ExecContext(bg, "ROLLBACK TO job"); rerr != nil {
		return err, true
	}
	if _, rerr := tx.ExecContext(bg, "RELEASE job"); rerr != nil {
		return err, true
	}
	return busy(err), false
}

// alone runs j in a transaction of its own, after its group broke.
func (w *writer) alone(j *job) error {
	tx, err := w.conn.BeginTx(context.Background(), nil)
	if err != nil {
		return busy(err)
	}
	if err := run(j, tx); err != nil {
		return busy(errors.Join(err, tx.Rollback()))
	}
	return busy(tx.Commit())
}

// run calls j's body; a panic in it fails j alone, where it would have
// failed its request on a connection of its own.
func run(j *job, tx *sql.Tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("sqlite: a write transaction panicked: %v", p)
		}
	}()
	return j.fn(tx)
}

// busy marks the errors of a database too busy to write now as
// server.ErrOverloaded: SQLITE_BUSY and SQLITE_LOCKED (server.Overloaded),
// and on D1 a transaction that kept losing to concurrent writers.
func busy(err error) error {
	if err == nil || errors.Is(err, server.ErrOverloaded) {
		return err
	}
	if server.Overloaded(err) || d1.IsConflict(err) {
		return fmt.Errorf("%w: %v", server.ErrOverloaded, err)
	}
	return err
}
