package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/apiarydb/apiary/exec"
	"github.com/apiarydb/apiary/internal/config"
	"github.com/apiarydb/apiary/objstore"
	"github.com/apiarydb/apiary/sqlerr"
	"github.com/apiarydb/apiary/txn"
)

// load runs `apiary load`: it opens the engine on the storage directly, as
// serve does, and loads files or storage objects into one frame in one
// commit, with no server in between. Other nodes on the same storage see
// the rows when the commit lands.
func load(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cmd := newCommand("load", "load --frame F [flags] FILE-OR-URL...", `
Loads CSV, text (PostgreSQL COPY format) or Parquet files into a frame in one
atomic commit, straight into the storage, with no server in between. Sources
are local paths, file://, s3:// or mem:// URLs, with glob patterns (*, [...])
in their last segments; "-" reads standard input. The storage, node name and
S3 credentials come from the configuration as for serve (--config,
APIARY_STORAGE, AWS_ACCESS_KEY_ID, ...).`)
	fs := cmd.fs
	cfgFlags := config.RegisterFlags(fs, "storage.url", "node.name")
	hive := fs.String("hive", "apiary", "hive (database) of the frame")
	box := fs.String("box", "public", "box (schema) of the frame")
	frame := fs.String("frame", "", "frame (table) to load into, as SQL names it (f, box.f, \"MixedCase\"); required")
	format := fs.String("format", "", "csv, text or parquet (default: by the first source's extension)")
	header := fs.Bool("header", false, "CSV/text inputs start with a header line")
	delimiter := fs.String("delimiter", "", "field delimiter (default: ',' for csv, tab for text)")
	null := fs.String("null", "", "the text of NULL (default: empty for csv, \\N for text)")
	columns := fs.String("columns", "", "comma-separated frame columns the fields fill, in order (default: all)")
	create := fs.Bool("create", false, "create the frame from the first source when it does not exist (Parquet schema, or CSV header and inferred types)")
	partitionBy := fs.String("partition-by", "", "with --create: comma-separated partition columns")
	overwrite := fs.Bool("overwrite", false, "replace the frame's contents with the loaded rows")
	overwriteParts := fs.Bool("overwrite-partitions", false, "replace the partitions the loaded rows fall in")
	if code, ok := cmd.parse(args, -1, stdout, stderr); !ok {
		return code
	}
	if *frame == "" || fs.NArg() == 0 {
		fmt.Fprintln(stderr, "apiary load: --frame and at least one FILE-OR-URL are required\nRun 'apiary load --help' for usage.")
		return exitUsage
	}
	cfg := loadConfig("load", cfgFlags, stderr)
	if cfg == nil {
		return exitUsage
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })

	req := exec.LoadRequest{
		Frame:               *frame,
		Stdin:               stdin,
		Format:              *format,
		Header:              *header,
		Create:              *create,
		Overwrite:           *overwrite,
		OverwritePartitions: *overwriteParts,
	}
	if set["delimiter"] {
		d := *delimiter
		if d == `\t` {
			d = "\t"
		}
		req.Delimiter = &d
	}
	if set["null"] {
		req.Null = null
	}
	if *columns != "" {
		req.Columns = splitList(*columns)
	}
	if *partitionBy != "" {
		req.PartitionBy = splitList(*partitionBy)
	}
	for _, src := range fs.Args() {
		if src != "-" && !strings.Contains(src, "://") && !filepath.IsAbs(src) {
			abs, err := filepath.Abs(src)
			if err != nil {
				fmt.Fprintf(stderr, "apiary load: %v\n", err)
				return exitUsage
			}
			src = abs
		}
		req.Sources = append(req.Sources, src)
	}

	// Only warnings and errors: the progress bar is the output.
	logCfg := cfg.Log
	logCfg.Level = max(logCfg.Level, slog.LevelWarn)
	log := newLogger(logCfg, stderr)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	storageURL := storageWithCredentials(cfg.Storage)
	store, err := objstore.Open(ctx, storageURL)
	if err != nil {
		log.Error("cannot open storage: check the URL, that the bucket or directory exists and the credentials (see 'apiary config')",
			"storage", redact(storageURL), "err", err)
		return exitFailure
	}
	defer store.Close()
	eng, err := exec.NewEngine(ctx, store, exec.Config{Node: cfg.Node.Name, Logger: log,
		Txn: txn.Options{Node: cfg.Node.Name, CheckpointInterval: cfg.Storage.CheckpointInterval, Logger: log}})
	if err != nil {
		log.Error("cannot start the engine", "storage", store.URL(), "err", err)
		return 1
	}
	defer eng.Close()
	sess, err := eng.NewSession(ctx, "apiary", *hive)
	if err != nil {
		reportError(stderr, err)
		return 1
	}
	defer sess.Close()
	// The frame and box names are SQL names: unquoted parts fold to lower
	// case, "Quoted" ones keep theirs.
	if err := sess.ExecSimple(ctx, "SET search_path = "+*box, func(exec.Result) error { return nil }); err != nil {
		reportError(stderr, err)
		return 1
	}

	bar := newProgressBar(stderr, *frame)
	req.Progress = bar.update
	start := time.Now()
	res, err := sess.Load(ctx, req)
	bar.finish()
	if err != nil {
		reportError(stderr, err)
		return 1
	}
	elapsed := time.Since(start)
	verb := "loaded"
	if res.Created {
		verb = "created " + *frame + " and loaded"
	}
	fmt.Fprintf(stdout, "%s %d rows (%s, %d %s) into %s in %s: %s rows/s, %s/s\n",
		verb, res.Rows, humanBytes(bar.last.Bytes), res.Files, plural(res.Files, "input", "inputs"), *frame,
		elapsed.Round(time.Millisecond), groupDigits(int64(float64(res.Rows)/elapsed.Seconds())),
		humanBytes(int64(float64(bar.last.Bytes)/elapsed.Seconds())))
	return 0
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// reportError prints an error as psql does: severity, message, SQLSTATE,
// detail and hint.
func reportError(w io.Writer, err error) {
	f := sqlerr.Flatten(err)
	fmt.Fprintf(w, "apiary load: ERROR: %s (SQLSTATE %s)\n", f.Message, f.Code)
	if f.Detail != "" {
		fmt.Fprintf(w, "DETAIL: %s\n", f.Detail)
	}
	if f.Hint != "" {
		fmt.Fprintf(w, "HINT: %s\n", f.Hint)
	}
}
