package exec

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/apiarydb/apiary/exec/colexec"
)

// The colony temperature is one figure for how loaded a node is, from 0
// (idle) to 100 (overwhelmed), read in degrees like a hive's. It is made
// of five inputs, each a fraction from 0 to 1:
//
//   - cpu: the share of the machine's CPU time spent busy, from /proc/stat,
//     smoothed over about five seconds so that a burst does not flip it;
//   - memory: what the running queries' operators hold, over the bees'
//     chambers (bees × bee memory);
//   - queue: the queries waiting for admission, over the queue's length;
//   - tasks: the share of the swarm tasks that ended here lately which
//     failed or were abandoned (0 until the swarm runs tasks);
//   - storage: the share of storage requests that failed lately, counted
//     double, so that half of them failing counts as all.
//
// Each input x heats the node by up to its own ceiling c, and the
// temperature is the heat of all of them together:
//
//	T = 100 × (1 − Π (1 − c·x))
//
// with c = 0.65 for cpu, 0.85 for memory, 0.20 for queue, 0.80 for tasks
// and 0.95 for storage. A weighted sum would let one exhausted resource
// hide behind idle ones (memory full on an idle CPU would read 30), and a
// maximum would ignore that two half-used resources are worse than one;
// the product has neither flaw, stays within 0–100 and grows with every
// input. The ceilings place each input alone: a busy CPU alone makes a
// node warm, not hot (queries sharing CPU slow down, nothing breaks); full
// bee memory alone makes it hot (queries start to spill or fail);
// failing storage alone makes it critical (queries would fail anyway); a
// queue alone never heats past ideal, so waiting queries cannot keep a
// node hot by themselves, yet on a busy node they add the hysteresis that
// keeps admission from flapping.

// Band is a named range of colony temperature.
type Band string

// The bands, from idle to overwhelmed.
const (
	BandCold     Band = "cold"     // below 20: idle
	BandIdeal    Band = "ideal"    // 20 to 60: working
	BandWarm     Band = "warm"     // 60 to 75: busy, still admitting everything
	BandHot      Band = "hot"      // 75 to 90: new queries wait for admission
	BandCritical Band = "critical" // 90 and above: new queries are refused
)

// Where each band starts, in degrees.
const (
	idealFrom    = 20
	warmFrom     = 60
	hotFrom      = 75
	criticalFrom = 90
)

// BandOf returns the band of a temperature.
func BandOf(t float64) Band {
	switch {
	case t >= criticalFrom:
		return BandCritical
	case t >= hotFrom:
		return BandHot
	case t >= warmFrom:
		return BandWarm
	case t >= idealFrom:
		return BandIdeal
	}
	return BandCold
}

// ColonyInputs are a node's load signals, each a fraction from 0 to 1
// (values outside are clamped).
type ColonyInputs struct {
	// CPU is the share of the machine's CPU time spent busy.
	CPU float64
	// Memory is the bee memory in use over the bees' chambers.
	Memory float64
	// Queue is the queries waiting for admission over the queue's length.
	Queue float64
	// TaskFailures is the share of recently ended swarm tasks that failed
	// or were abandoned.
	TaskFailures float64
	// StorageErrors is the share of recent storage requests that failed.
	StorageErrors float64
}

// The ceilings of the inputs (see the formula above).
const (
	ceilingCPU     = 0.65
	ceilingMemory  = 0.85
	ceilingQueue   = 0.20
	ceilingTasks   = 0.80
	ceilingStorage = 0.95
	// storageErrorsFull is the error rate that counts as storage failing
	// entirely.
	storageErrorsFull = 0.5
)

// Temperature is the colony temperature of a node with these inputs,
// from 0 to 100.
func Temperature(in ColonyInputs) float64 {
	cool := 1.0
	for _, h := range []struct{ ceiling, x float64 }{
		{ceilingCPU, in.CPU},
		{ceilingMemory, in.Memory},
		{ceilingQueue, in.Queue},
		{ceilingTasks, in.TaskFailures},
		{ceilingStorage, in.StorageErrors / storageErrorsFull},
	} {
		cool *= 1 - h.ceiling*clamp01(h.x)
	}
	return 100 * (1 - cool)
}

func clamp01(x float64) float64 {
	switch {
	case math.IsNaN(x) || x < 0:
		return 0
	case x > 1:
		return 1
	}
	return x
}

// ColonyReading is one sample of a node's temperature and its inputs.
type ColonyReading struct {
	Node string
	// Temperature is from 0 to 100, rounded to a tenth.
	Temperature float64
	Band        Band
	// Inputs are the fractions the temperature was computed from.
	Inputs ColonyInputs
	// CPUKnown is false where the CPU time cannot be read (no /proc).
	CPUKnown bool
	// QueueDepth queries wait for admission, of at most QueueLength.
	QueueDepth, QueueLength int
	// MemoryInUse is what running queries' operators hold, of
	// MemoryBudget (bees × bee memory).
	MemoryInUse, MemoryBudget int64
	SampledAt                 time.Time
	// Forced is set while a test or drill imposes the temperature
	// (Colony.Force).
	Forced bool
}

// Colony samples the node's temperature and runs admission control
// (colony_admission.go). It is safe for concurrent use.
type Colony struct {
	node         string
	interval     time.Duration
	memoryBudget int64
	releaseBatch int // queued queries let in per cool sample
	memoryInUse  func() int64
	storage      func() (requests, failed uint64)
	tasks        func() (ended, failed uint64)
	log          *slog.Logger
	admission    admissionConfig

	// sampleMu serialises Sample, which owns the fields below it.
	sampleMu sync.Mutex
	cpu      cpuMeter
	storeWin rateWindow
	taskWin  rateWindow

	mu       sync.Mutex
	reading  ColonyReading // the last sample; guarded by mu
	forced   float64       // guarded by mu
	forcing  bool          // guarded by mu
	cpuLoad  float64       // smoothed CPU input; guarded by mu
	cpuSeen  bool          // cpuLoad holds a value; guarded by mu
	lastBand Band          // guarded by mu
	// waiting is the admission queue, oldest first; guarded by mu.
	waiting []*admissionWaiter
}

const (
	// DefaultColonySampleInterval is how often the temperature is sampled
	// when Config.ColonySampleInterval is 0.
	DefaultColonySampleInterval = time.Second
	// cpuSmoothing is the time constant of the CPU input's exponential
	// smoothing.
	cpuSmoothing = 5 * time.Second
	// rateWindowSpan is how far back the failure rates look.
	rateWindowSpan = time.Minute
	// minStorageRequests and minTasks are the fewest requests or tasks a
	// rate is computed over: a single failure among few requests must not
	// read as a failing store.
	minStorageRequests = 20
	minTasks           = 5
)

func newColony(cfg Config, bees int, memoryInUse func() int64) *Colony {
	interval := cfg.ColonySampleInterval
	if interval <= 0 {
		interval = DefaultColonySampleInterval
	}
	procDir := cfg.ProcDir
	if procDir == "" {
		procDir = "/proc"
	}
	c := &Colony{
		node: cfg.Node, interval: interval, memoryBudget: cfg.BeeMemory * int64(bees), releaseBatch: max(1, bees),
		memoryInUse: memoryInUse, storage: cfg.StorageCounters, tasks: cfg.TaskCounters, log: cfg.Logger,
		admission: newAdmissionConfig(cfg),
		cpu:       cpuMeter{dir: procDir, cores: runtime.NumCPU()},
	}
	c.reading = ColonyReading{Node: c.node, Band: BandCold, QueueLength: c.admission.queue, MemoryBudget: c.memoryBudget}
	c.lastBand = BandCold
	return c
}

// run samples every interval until ctx ends.
func (c *Colony) run(ctx context.Context) {
	t := time.NewTicker(c.interval)
	defer t.Stop()
	c.Sample()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			c.Sample()
		}
	}
}

// Reading returns the last sample.
func (c *Colony) Reading() ColonyReading {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.reading
}

// Sample reads the inputs now, updates the reading and lets queued
// queries in if the node has cooled below hot. The sampler calls it every
// interval; tests call it to move on without waiting.
func (c *Colony) Sample() ColonyReading {
	c.sampleMu.Lock()
	defer c.sampleMu.Unlock()
	// Counters and /proc are read outside mu: a slow hook must not hold
	// up admission.
	now := time.Now()
	cpu, cpuKnown := c.cpu.read()
	var storeReq, storeFail, tasksEnded, tasksFailed uint64
	if c.storage != nil {
		storeReq, storeFail = c.storage()
	}
	if c.tasks != nil {
		tasksEnded, tasksFailed = c.tasks()
	}
	inUse := c.memoryInUse()
	storageErrors := c.storeWin.rate(now, storeReq, storeFail, minStorageRequests)
	taskFailures := c.taskWin.rate(now, tasksEnded, tasksFailed, minTasks)

	c.mu.Lock()
	defer c.mu.Unlock()
	if cpuKnown {
		if !c.cpuSeen {
			c.cpuLoad, c.cpuSeen = cpu, true
		} else {
			alpha := 1 - math.Exp(-float64(c.interval)/float64(cpuSmoothing))
			c.cpuLoad += alpha * (cpu - c.cpuLoad)
		}
	}
	c.reading = ColonyReading{
		Node: c.node, CPUKnown: c.cpuSeen, QueueLength: c.admission.queue, MemoryBudget: c.memoryBudget, SampledAt: now,
		Inputs: ColonyInputs{CPU: c.cpuLoad, StorageErrors: storageErrors, TaskFailures: taskFailures},
	}
	c.refreshLocked(inUse)
	return c.reading
}

// refreshLocked sets the inputs that change from moment to moment (bee
// memory in use, the queue) and settles the reading. Admission calls it
// too, with the memory in use at that moment, so that it does not refuse
// a query for memory that a query which has ended held at the last
// sample; the sampled inputs (CPU, failure rates) stay as they were.
func (c *Colony) refreshLocked(inUse int64) {
	r := &c.reading
	r.MemoryInUse = inUse
	r.Inputs.Memory = ratio(float64(inUse), float64(c.memoryBudget))
	r.Inputs.Queue = ratio(float64(len(c.waiting)), float64(max(1, c.admission.queue)))
	c.settleLocked()
}

// Force imposes a temperature until Unforce, whatever the inputs say:
// for tests of admission control, and for drills (what do clients do when
// the node is hot?). Queued queries are let in at once if it is below hot.
func (c *Colony) Force(temperature float64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.forced, c.forcing = temperature, true
	c.settleLocked()
}

// Unforce returns the temperature to the inputs' verdict.
func (c *Colony) Unforce() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.forcing = false
	c.settleLocked()
}

// settleLocked derives the temperature and band of the reading, logs a
// change of band and lets queued queries in when the node is below hot.
func (c *Colony) settleLocked() {
	r := &c.reading
	r.QueueDepth = len(c.waiting)
	r.Forced = c.forcing
	t := Temperature(r.Inputs)
	if c.forcing {
		t = math.Max(0, math.Min(100, c.forced))
	}
	r.Temperature = math.Round(t*10) / 10
	r.Band = BandOf(r.Temperature)
	if r.Band != c.lastBand {
		// Operators hear of admission starting and stopping; the moves
		// between cold, ideal and warm are routine.
		level := slog.LevelDebug
		switch {
		case r.Band == BandHot || r.Band == BandCritical:
			level = slog.LevelWarn
		case c.lastBand == BandHot || c.lastBand == BandCritical:
			level = slog.LevelInfo
		}
		c.log.Log(context.Background(), level, "colony temperature changed band", "node", c.node, "band", string(r.Band),
			"from", string(c.lastBand), "temperature", r.Temperature, "detail", describeInputs(*r))
		c.lastBand = r.Band
	}
	c.releaseLocked()
}

func ratio(a, b float64) float64 {
	if b <= 0 {
		return 0
	}
	return clamp01(a / b)
}

// cpuMeter reads the kernel's CPU time counters under dir (normally
// /proc).
type cpuMeter struct {
	dir   string
	cores int
	// busy and total are the counters of the last read (clock ticks).
	busy, total uint64
	primed      bool
}

// read returns the busy share of the machine's CPU time since the previous
// read; the first read, which has nothing to compare with, estimates it
// from the one-minute load average per core.
func (m *cpuMeter) read() (float64, bool) {
	busy, total, err := readProcStat(filepath.Join(m.dir, "stat"))
	if err != nil {
		return 0, false
	}
	prevBusy, prevTotal, primed := m.busy, m.total, m.primed
	m.busy, m.total, m.primed = busy, total, true
	if !primed || total <= prevTotal || busy < prevBusy {
		load, err := readLoadAverage(filepath.Join(m.dir, "loadavg"))
		if err != nil {
			return 0, primed
		}
		return clamp01(load / float64(max(1, m.cores))), true
	}
	return clamp01(float64(busy-prevBusy) / float64(total-prevTotal)), true
}

// readProcStat reads the machine-wide "cpu" line of /proc/stat: user, nice,
// system, idle, iowait, irq, softirq, steal (then guest times, which user
// already counts). Idle and iowait are the time not busy.
func readProcStat(path string) (busy, total uint64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 5 || fields[0] != "cpu" {
			continue
		}
		var idle uint64
		for i, s := range fields[1:min(len(fields), 9)] {
			v, err := strconv.ParseUint(s, 10, 64)
			if err != nil {
				return 0, 0, fmt.Errorf("%s: bad cpu field %q", path, s)
			}
			total += v
			if i == 3 || i == 4 {
				idle += v
			}
		}
		return total - idle, total, nil
	}
	if err := sc.Err(); err != nil {
		return 0, 0, err
	}
	return 0, 0, fmt.Errorf("%s: no cpu line", path)
}

// readLoadAverage reads the one-minute load average of /proc/loadavg.
func readLoadAverage(path string) (float64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	first, _, _ := bytes.Cut(bytes.TrimSpace(b), []byte(" "))
	return strconv.ParseFloat(string(first), 64)
}

// rateWindow turns two ever-growing counters (all, failed) into the
// failed share over the last rateWindowSpan.
type rateWindow struct {
	samples []rateSample
}

type rateSample struct {
	at          time.Time
	all, failed uint64
}

// rate records the counters read at now and returns the failed share
// since the oldest sample in the window, over at least least events.
func (w *rateWindow) rate(now time.Time, all, failed uint64, least int) float64 {
	w.samples = append(w.samples, rateSample{now, all, failed})
	drop := 0
	for drop < len(w.samples)-1 && now.Sub(w.samples[drop+1].at) >= rateWindowSpan {
		drop++
	}
	w.samples = w.samples[drop:]
	first := w.samples[0]
	if all < first.all || failed < first.failed {
		// The counters went back (a restart of their source): start over.
		w.samples = w.samples[len(w.samples)-1:]
		return 0
	}
	dAll, dFailed := all-first.all, failed-first.failed
	return ratio(float64(dFailed), float64(max(dAll, uint64(least))))
}

// describeInputs states a reading's inputs for logs and errors.
func describeInputs(r ColonyReading) string {
	cpu := "CPU unknown"
	if r.CPUKnown {
		cpu = fmt.Sprintf("CPU %.0f%% busy", 100*r.Inputs.CPU)
	}
	return fmt.Sprintf("%s, bee memory %.0f%% of %s in use, %d of %d admission queue places taken, "+
		"%.0f%% of recent swarm tasks failed, %.0f%% of recent storage requests failed",
		cpu, 100*r.Inputs.Memory, colexec.FormatBytes(r.MemoryBudget), r.QueueDepth, r.QueueLength,
		100*r.Inputs.TaskFailures, 100*r.Inputs.StorageErrors)
}
