package exec

import (
	"context"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/apiarydb/apiary/catalog/pgcatalog"
	"github.com/apiarydb/apiary/exec/expr"
	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
)

// Session settings: PostgreSQL's configuration parameters ("GUCs") as a
// session sees them. The registry below holds every parameter drivers and
// BI tools set or read, with PostgreSQL 15's names, types, defaults and
// validation; docs/sql-reference.md lists what Apiary does with each.
//
// A session's value of a parameter comes from the first layer that has
// one: the transaction's SET LOCAL values, the session's SET values, the
// startup packet's values (what RESET returns to), the default. SET inside a
// transaction block is undone when the block rolls back, SET LOCAL when it
// ends, and ROLLBACK TO SAVEPOINT undoes both back to the savepoint, as in
// PostgreSQL (txn_control.go keeps the layers in step with the block).
//
// Values are kept in the form pg_settings.setting shows (integers in their
// base unit); SHOW prints them with the largest exact unit.
//
// Unknown names: a name with a dot is a custom setting ("myapp.tenant"),
// accepted as PostgreSQL accepts it. SET of an unknown name without a dot
// is accepted too, with a WARNING, where PostgreSQL fails with 42704: the
// settings drivers and tools send that Apiary does not list (a newer
// server's, a planner knob) must not break their session set-up, and the
// warning still tells a person who mistyped. SHOW and current_setting of a
// name never set fail with 42704, as in PostgreSQL. Names under "apiary."
// are Apiary's own: an unknown one is an error (42602), as for a reserved
// prefix in PostgreSQL.

// SQLSTATEs sqlerr does not name.
const (
	codeCantChangeRuntimeParam = sqlerr.Code("55P02")
	codeInvalidName            = sqlerr.Code("42602")
)

// PGVersion is the PostgreSQL version Apiary reports in server_version.
const PGVersion = "15.8"

// pgVersionNum is PGVersion as server_version_num.
const pgVersionNum = "150008"

type varType uint8

const (
	boolVar varType = iota
	intVar
	realVar
	stringVar
	enumVar
)

func (t varType) String() string {
	switch t {
	case boolVar:
		return "bool"
	case intVar:
		return "integer"
	case realVar:
		return "real"
	case enumVar:
		return "enum"
	}
	return "string"
}

// settingDef describes one configuration parameter.
type settingDef struct {
	name     string // PostgreSQL's spelling, as SHOW ALL prints it
	typ      varType
	unit     string // an integer's base unit: "ms", "s", "kB", "8kB"; "" for none
	min, max float64
	enum     []string          // an enum's values, as SHOW prints them
	aliases  map[string]string // an enum's other accepted spellings
	category string
	desc     string
	// context is pg_settings.context: "internal" and "postmaster"
	// parameters cannot be changed in a session.
	context string
	boot    string
	// list parameters take several values in SET, joined with ", "; quote
	// quotes each as an identifier (search_path).
	list, quote bool
	// hidden parameters are left out of SHOW ALL and pg_settings.
	hidden bool
	// check canonicalises a value after its type's parsing and rejects
	// values Apiary cannot honour. current is the present value.
	check func(v, current string) (string, error)
	// get computes the value of a parameter the session does not store
	// (the transaction's characteristics, the engine's configuration).
	get func(s *Session) string
}

func (d *settingDef) readOnly() bool { return d.context == "internal" || d.context == "postmaster" }

// Categories as pg_settings names them.
const (
	catLocale     = "Client Connection Defaults / Locale and Formatting"
	catStatement  = "Client Connection Defaults / Statement Behavior"
	catPreset     = "Preset Options"
	catLogging    = "Reporting and Logging / What to Log"
	catCompat     = "Version and Platform Compatibility / Previous PostgreSQL Versions"
	catCompatMisc = "Version and Platform Compatibility / Other Platforms and Clients"
	catPlanMethod = "Query Tuning / Planner Method Configuration"
	catPlanOther  = "Query Tuning / Other Planner Options"
	catPlanCost   = "Query Tuning / Planner Cost Constants"
	catGeqo       = "Query Tuning / Genetic Query Optimizer"
	catMemory     = "Resource Usage / Memory"
	catAsync      = "Resource Usage / Asynchronous Behavior"
	catWAL        = "Write-Ahead Log / Settings"
	catCustom     = "Customized Options"
	catApiary     = "Apiary"
)

const maxInt32 = math.MaxInt32

var isolationLevels = []string{"serializable", "repeatable read", "read committed", "read uncommitted"}

var boolAliases = map[string]string{"true": "on", "yes": "on", "1": "on", "false": "off", "no": "off", "0": "off"}

func boolSetting(name, category, desc, boot string) *settingDef {
	return &settingDef{name: name, typ: boolVar, category: category, desc: desc, context: "user", boot: boot}
}

func intSetting(name, unit string, lo, hi float64, category, desc, boot string) *settingDef {
	return &settingDef{name: name, typ: intVar, unit: unit, min: lo, max: hi, category: category, desc: desc, context: "user", boot: boot}
}

func realSetting(name string, lo, hi float64, category, desc, boot string) *settingDef {
	return &settingDef{name: name, typ: realVar, min: lo, max: hi, category: category, desc: desc, context: "user", boot: boot}
}

func enumSetting(name string, values []string, category, desc, boot string) *settingDef {
	return &settingDef{name: name, typ: enumVar, enum: values, category: category, desc: desc, context: "user", boot: boot}
}

func stringSetting(name, category, desc, boot string) *settingDef {
	return &settingDef{name: name, typ: stringVar, category: category, desc: desc, context: "user", boot: boot}
}

// preset is a read-only parameter describing the server.
func preset(d *settingDef) *settingDef {
	d.context, d.category = "internal", catPreset
	d.min, d.max = 0, 0
	if d.typ == intVar {
		v, _ := strconv.ParseFloat(d.boot, 64)
		d.min, d.max = v, v
	}
	return d
}

func with(d *settingDef, f func(d *settingDef)) *settingDef {
	f(d)
	return d
}

// settingDefs is the registry, in no particular order; settingsByName
// indexes it by lower-case name.
var settingDefs = []*settingDef{
	// Locale and formatting: what clients read values back with.
	with(stringSetting("application_name", catLogging, "Names the client application in logs and pg_stat_activity.", ""),
		func(d *settingDef) { d.check = checkApplicationName }),
	with(stringSetting("client_encoding", catLocale, "The character set the client sends and receives; Apiary speaks UTF8 only.", "UTF8"),
		func(d *settingDef) { d.check = checkClientEncoding }),
	with(stringSetting("DateStyle", catLocale, "Output style and field order of dates; the output style is always ISO.", "ISO, MDY"),
		func(d *settingDef) { d.list, d.check = true, checkDateStyle }),
	with(enumSetting("IntervalStyle", []string{"postgres", "postgres_verbose", "sql_standard", "iso_8601"}, catLocale,
		"Output style of intervals; Apiary prints the postgres style only.", "postgres"),
		func(d *settingDef) {
			d.check = onlyValue("IntervalStyle", "postgres", "Apiary prints intervals in the postgres style only.")
		}),
	with(stringSetting("TimeZone", catLocale, "The time zone timestamptz values are shown and read in.", "UTC"),
		func(d *settingDef) { d.check = checkTimeZone }),
	with(stringSetting("timezone_abbreviations", catLocale, "The set of time zone abbreviations accepted in input (accepted, no effect).", "Default"),
		func(d *settingDef) { d.check = checkAbbreviations }),
	intSetting("extra_float_digits", "", -15, 3, catLocale, "Digits of float4 and float8 output: 1 to 3 print the shortest exact value, 0 and less round.", "1"),
	with(stringSetting("lc_messages", catLocale, "The language of messages (accepted, no effect: messages are English).", "C.UTF-8"),
		func(d *settingDef) { d.context, d.check = "superuser", checkLocaleName }),
	with(stringSetting("lc_monetary", catLocale, "The locale of money formatting (accepted, no effect).", "C.UTF-8"),
		func(d *settingDef) { d.check = checkLocaleName }),
	with(stringSetting("lc_numeric", catLocale, "The locale of number formatting (accepted, no effect).", "C.UTF-8"),
		func(d *settingDef) { d.check = checkLocaleName }),
	with(stringSetting("lc_time", catLocale, "The locale of date and time formatting (accepted, no effect).", "C.UTF-8"),
		func(d *settingDef) { d.check = checkLocaleName }),
	stringSetting("default_text_search_config", catLocale, "The default text search configuration (accepted, no effect).", "pg_catalog.simple"),

	// Statement behaviour.
	with(stringSetting("search_path", catStatement, "The boxes (schemas) searched for unqualified frame names, in order.", `"$user", public`),
		func(d *settingDef) { d.list, d.quote, d.check = true, true, checkIdentifierList }),
	intSetting("statement_timeout", "ms", 0, maxInt32, catStatement, "Cancels a statement that runs longer; 0 disables.", "0"),
	intSetting("lock_timeout", "ms", 0, maxInt32, catStatement, "The longest wait for a lock; Apiary takes no locks (accepted, no effect).", "0"),
	intSetting("idle_in_transaction_session_timeout", "ms", 0, maxInt32, catStatement, "Ends a session idle this long inside a transaction block; 0 disables.", "0"),
	intSetting("idle_session_timeout", "ms", 0, maxInt32, catStatement, "Ends a session idle this long outside a transaction block; 0 disables.", "0"),
	enumSetting("client_min_messages", []string{"debug5", "debug4", "debug3", "debug2", "debug1", "log", "notice", "warning", "error"},
		catStatement, "The least severe notices sent to the client.", "notice"),
	enumSetting("default_transaction_isolation", isolationLevels, catStatement,
		"The isolation level new transactions report; every level runs as snapshot isolation.", "read committed"),
	with(enumSetting("transaction_isolation", isolationLevels, catStatement, "The isolation level the current transaction reports.", "read committed"),
		func(d *settingDef) { d.get = func(s *Session) string { return s.txnIsolationLocked() } }),
	boolSetting("default_transaction_read_only", catStatement, "Whether new transactions are read-only.", "off"),
	with(boolSetting("transaction_read_only", catStatement, "Whether the current transaction is read-only.", "off"),
		func(d *settingDef) { d.get = func(s *Session) string { return onOff(s.txnReadOnlyLocked()) } }),
	boolSetting("default_transaction_deferrable", catStatement, "Whether new transactions are deferrable (accepted, no effect).", "off"),
	with(boolSetting("transaction_deferrable", catStatement, "Whether the current transaction is deferrable (accepted, no effect).", "off"),
		func(d *settingDef) { d.get = func(s *Session) string { return onOff(s.txnDeferrableLocked()) } }),
	enumSetting("bytea_output", []string{"escape", "hex"}, catStatement, "The text format of bytea values.", "hex"),
	boolSetting("row_security", catStatement, "Whether row security policies apply; Apiary has none (accepted, no effect).", "on"),
	boolSetting("check_function_bodies", catStatement, "Whether function bodies are checked (accepted, no effect).", "on"),
	enumSetting("xmloption", []string{"content", "document"}, catStatement, "How XML values are parsed (accepted, no effect).", "content"),
	stringSetting("default_tablespace", catStatement, "The tablespace new tables go to (accepted, no effect).", ""),
	with(stringSetting("temp_tablespaces", catStatement, "The tablespaces temporary data goes to (accepted, no effect).", ""),
		func(d *settingDef) { d.list, d.quote, d.check = true, true, checkIdentifierList }),
	with(enumSetting("session_replication_role", []string{"origin", "replica", "local"}, catStatement,
		"How triggers and rules fire; Apiary has none (accepted, no effect).", "origin"), func(d *settingDef) { d.context = "superuser" }),

	// Compatibility switches.
	with(boolSetting("standard_conforming_strings", catCompat, "Whether '...' strings treat backslashes literally; only on is supported.", "on"),
		func(d *settingDef) {
			d.check = onlyValue("standard_conforming_strings", "on", `Apiary reads backslashes in '...' strings literally; E'...' strings take escapes.`)
		}),
	boolSetting("escape_string_warning", catCompat, "Whether backslashes in ordinary strings warn (accepted, no effect).", "on"),
	with(enumSetting("backslash_quote", []string{"safe_encoding", "on", "off"}, catCompat, `Whether "\'" is allowed in strings (accepted, no effect).`, "safe_encoding"),
		func(d *settingDef) { d.aliases = boolAliases }),
	boolSetting("array_nulls", catCompat, "Whether NULL in array input means a null element.", "on"),
	boolSetting("quote_all_identifiers", catCompat, "Whether generated SQL quotes every identifier (accepted, no effect).", "off"),
	with(boolSetting("transform_null_equals", catCompatMisc, "Whether expr = NULL means expr IS NULL; only off is supported.", "off"),
		func(d *settingDef) {
			d.check = onlyValue("transform_null_equals", "off", "Test for NULL with IS NULL.")
		}),

	// Planner switches: Apiary's planner has its own rules; these are
	// accepted so that tuning scripts run.
	boolSetting("enable_async_append", catPlanMethod, "Planner switch (accepted, no effect).", "on"),
	boolSetting("enable_bitmapscan", catPlanMethod, "Planner switch (accepted, no effect).", "on"),
	boolSetting("enable_gathermerge", catPlanMethod, "Planner switch (accepted, no effect).", "on"),
	boolSetting("enable_hashagg", catPlanMethod, "Planner switch (accepted, no effect).", "on"),
	boolSetting("enable_hashjoin", catPlanMethod, "Planner switch (accepted, no effect).", "on"),
	boolSetting("enable_incremental_sort", catPlanMethod, "Planner switch (accepted, no effect).", "on"),
	boolSetting("enable_indexonlyscan", catPlanMethod, "Planner switch (accepted, no effect).", "on"),
	boolSetting("enable_indexscan", catPlanMethod, "Planner switch (accepted, no effect).", "on"),
	boolSetting("enable_material", catPlanMethod, "Planner switch (accepted, no effect).", "on"),
	boolSetting("enable_memoize", catPlanMethod, "Planner switch (accepted, no effect).", "on"),
	boolSetting("enable_mergejoin", catPlanMethod, "Planner switch (accepted, no effect).", "on"),
	boolSetting("enable_nestloop", catPlanMethod, "Planner switch (accepted, no effect).", "on"),
	boolSetting("enable_parallel_append", catPlanMethod, "Planner switch (accepted, no effect).", "on"),
	boolSetting("enable_parallel_hash", catPlanMethod, "Planner switch (accepted, no effect).", "on"),
	boolSetting("enable_partition_pruning", catPlanMethod, "Planner switch (accepted, no effect).", "on"),
	boolSetting("enable_partitionwise_aggregate", catPlanMethod, "Planner switch (accepted, no effect).", "off"),
	boolSetting("enable_partitionwise_join", catPlanMethod, "Planner switch (accepted, no effect).", "off"),
	boolSetting("enable_seqscan", catPlanMethod, "Planner switch (accepted, no effect).", "on"),
	boolSetting("enable_sort", catPlanMethod, "Planner switch (accepted, no effect).", "on"),
	boolSetting("enable_tidscan", catPlanMethod, "Planner switch (accepted, no effect).", "on"),
	boolSetting("geqo", catGeqo, "Genetic join ordering (accepted, no effect).", "on"),
	intSetting("geqo_threshold", "", 2, maxInt32, catGeqo, "Genetic join ordering threshold (accepted, no effect).", "12"),
	boolSetting("jit", catPlanOther, "JIT compilation of expressions (accepted, no effect).", "on"),
	intSetting("join_collapse_limit", "", 1, maxInt32, catPlanOther, "Join reordering limit (accepted, no effect).", "8"),
	intSetting("from_collapse_limit", "", 1, maxInt32, catPlanOther, "Subquery flattening limit (accepted, no effect).", "8"),
	intSetting("default_statistics_target", "", 1, 10000, catPlanOther, "Statistics sample size (accepted, no effect).", "100"),
	enumSetting("constraint_exclusion", []string{"partition", "on", "off"}, catPlanOther, "Constraint exclusion (accepted, no effect).", "partition"),
	realSetting("cursor_tuple_fraction", 0, 1, catPlanOther, "Expected fraction of a cursor's rows fetched (accepted, no effect).", "0.1"),
	enumSetting("plan_cache_mode", []string{"auto", "force_generic_plan", "force_custom_plan"}, catPlanOther,
		"Generic or custom plans for prepared statements (accepted, no effect).", "auto"),
	realSetting("random_page_cost", 0, math.MaxFloat64, catPlanCost, "Planner cost constant (accepted, no effect).", "4"),
	realSetting("seq_page_cost", 0, math.MaxFloat64, catPlanCost, "Planner cost constant (accepted, no effect).", "1"),
	realSetting("cpu_tuple_cost", 0, math.MaxFloat64, catPlanCost, "Planner cost constant (accepted, no effect).", "0.01"),
	intSetting("effective_cache_size", "8kB", 1, maxInt32, catPlanCost, "Planner's cache size assumption (accepted, no effect).", "524288"),
	intSetting("max_parallel_workers_per_gather", "", 0, 1024, catAsync, "Parallel workers per query (accepted, no effect: see apiary.bees).", "2"),

	// Memory: Apiary sizes work by its bees' budgets (apiary.bee_memory).
	intSetting("work_mem", "kB", 64, maxInt32, catMemory, "Memory per sort or hash (accepted, no effect: see apiary.bee_memory).", "4096"),
	intSetting("maintenance_work_mem", "kB", 1024, maxInt32, catMemory, "Memory for maintenance (accepted, no effect).", "65536"),
	intSetting("temp_buffers", "8kB", 100, 1073741823, catMemory, "Buffers for temporary tables (accepted, no effect).", "1024"),
	realSetting("hash_mem_multiplier", 1, 1000, catMemory, "Hash memory multiplier (accepted, no effect).", "2"),

	with(enumSetting("synchronous_commit", []string{"local", "remote_write", "remote_apply", "on", "off"}, catWAL,
		"Whether commits wait for durability; Apiary's commits always do (accepted, no effect).", "on"),
		func(d *settingDef) { d.aliases = boolAliases }),

	// The server: fixed facts clients check.
	preset(stringSetting("server_version", "", "The PostgreSQL version Apiary is compatible with.", PGVersion)),
	preset(intSetting("server_version_num", "", 0, 0, "", "The PostgreSQL version as an integer.", pgVersionNum)),
	preset(stringSetting("server_encoding", "", "The database character set.", "UTF8")),
	preset(boolSetting("integer_datetimes", "", "Whether timestamps are integers (always).", "on")),
	preset(stringSetting("lc_collate", "", "The collation of text: byte order.", "C.UTF-8")),
	preset(stringSetting("lc_ctype", "", "The character classification locale.", "C.UTF-8")),
	preset(intSetting("max_identifier_length", "", 0, 0, "", "The longest identifier, in bytes.", "63")),
	preset(intSetting("max_function_args", "", 0, 0, "", "The most arguments a function takes.", "100")),
	preset(intSetting("max_index_keys", "", 0, 0, "", "The most keys of an index.", "32")),
	preset(intSetting("block_size", "", 0, 0, "", "The size of a disk block.", "8192")),
	preset(boolSetting("data_checksums", "", "Whether data checksums are on; Parquet cells carry their own.", "off")),
	preset(boolSetting("in_hot_standby", "", "Whether the server is a hot standby (never).", "off")),
	with(preset(boolSetting("is_superuser", "", "Whether the session's user is a superuser.", "on")), func(d *settingDef) { d.hidden = true }),
	with(stringSetting("session_authorization", catPreset, "The session's user.", ""), func(d *settingDef) {
		d.hidden = true
		d.get = func(s *Session) string { return s.user }
	}),
	with(stringSetting("role", catPreset, "The session's current role.", "none"), func(d *settingDef) { d.hidden = true }),

	// Apiary's own. apiary.distribution is the session's choice of where
	// SELECTs run (distribute.go).
	enumSetting("apiary.distribution", []string{"auto", "always", "never"}, catApiary,
		"Whether SELECTs are shared with the swarm: auto (large scans, when other nodes are alive), always, or never.", "auto"),
	// Read-only: how this node runs queries.
	with(intSetting("apiary.bees", "", 0, 0, catApiary, "Workers (bees) per query on this node.", "0"), func(d *settingDef) {
		d.context = "internal"
		d.get = func(s *Session) string { return strconv.Itoa(s.eng.bees()) }
	}),
	with(intSetting("apiary.bee_memory", "kB", 0, 0, catApiary, "Each bee's memory budget.", "0"), func(d *settingDef) {
		d.context = "internal"
		d.get = func(s *Session) string { return strconv.FormatInt(s.eng.cfg.BeeMemory/1024, 10) }
	}),
	with(stringSetting("apiary.node", catApiary, "This node's name in commit records and logs.", ""), func(d *settingDef) {
		d.context = "internal"
		d.get = func(s *Session) string { return s.eng.cfg.Node }
	}),
}

var settingsByName = map[string]*settingDef{}

// listedSettingDefs are the parameters SHOW ALL and pg_settings list
// (all but the hidden ones), ordered by name ignoring case.
var listedSettingDefs []*settingDef

// The index is filled in init: the definitions' functions read it, which
// a variable's initializer cannot allow.
func init() {
	for _, d := range settingDefs {
		settingsByName[strings.ToLower(d.name)] = d
		if !d.hidden {
			listedSettingDefs = append(listedSettingDefs, d)
		}
	}
	slices.SortFunc(listedSettingDefs, func(a, b *settingDef) int {
		return strings.Compare(strings.ToLower(a.name), strings.ToLower(b.name))
	})
}

// Names PostgreSQL accepts for parameters with other spellings.
var settingAliases = map[string]string{"time zone": "timezone", "names": "client_encoding"}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// sessionSettings holds a session's values, layer by layer (see the top
// of this file), keyed by lower-case name. Its lock is held by every access,
// because set_config runs inside a query's parallel bees.
type sessionSettings struct {
	mu      sync.Mutex
	startup map[string]string
	session map[string]string
	local   map[string]string
	// custom are the names of custom and unknown parameters ever set, as
	// first written: they read as "" after RESET, as in PostgreSQL.
	custom map[string]string
	// blockBase is the session layer when the transaction block began,
	// restored when it rolls back; nil outside a block.
	blockBase map[string]string

	// zoneValue and zone cache the location of the last TimeZone value.
	zoneValue string
	zone      *time.Location
}

// settingsSnapshot is the session and local layers at a savepoint.
type settingsSnapshot struct {
	session, local map[string]string
}

func (c *sessionSettings) snapshotLocked() settingsSnapshot {
	return settingsSnapshot{session: maps.Clone(c.session), local: maps.Clone(c.local)}
}

// lookupLocked finds name's definition (any case, PostgreSQL's aliases
// too). A custom name that was set gets a plain string definition; ok is
// false for a name neither known nor set.
func (c *sessionSettings) lookupLocked(name string) (key string, d *settingDef, ok bool) {
	key = strings.ToLower(strings.TrimSpace(name))
	if a, isAlias := settingAliases[key]; isAlias {
		key = a
	}
	if d, ok := settingsByName[key]; ok {
		return key, d, true
	}
	if written, ok := c.custom[key]; ok {
		return key, customDef(written), true
	}
	return key, nil, false
}

func customDef(name string) *settingDef {
	return &settingDef{name: name, typ: stringVar, category: catCustom, context: "user", hidden: true}
}

// valueLocked returns the setting's canonical value and where it came
// from (pg_settings.source).
func (s *Session) valueLocked(key string, d *settingDef) (value, source string) {
	if d.get != nil {
		if strings.HasPrefix(key, "transaction_") {
			return d.get(s), "override"
		}
		return d.get(s), "default"
	}
	c := &s.settings
	if v, ok := c.local[key]; ok {
		return v, "session"
	}
	if v, ok := c.session[key]; ok {
		return v, "session"
	}
	if v, ok := c.startup[key]; ok {
		return v, "client"
	}
	return d.boot, "default"
}

// resetValueLocked is what RESET returns a setting to.
func (s *Session) resetValueLocked(key string, d *settingDef) string {
	if v, ok := s.settings.startup[key]; ok {
		return v
	}
	return d.boot
}

// showSetting returns name's value as SHOW prints it.
func (s *Session) showSetting(name string) (string, bool) {
	_, shown, ok := s.lookupShown(name)
	return shown, ok
}

// lookupShown returns name's definition and its value as SHOW prints it;
// ok is false for a name neither known nor set.
func (s *Session) lookupShown(name string) (d *settingDef, shown string, ok bool) {
	s.settings.mu.Lock()
	defer s.settings.mu.Unlock()
	key, d, ok := s.settings.lookupLocked(name)
	if !ok {
		return nil, "", false
	}
	v, _ := s.valueLocked(key, d)
	return d, displayValue(d, v), true
}

// settingChange is one SET, RESET or set_config.
type settingChange struct {
	name  string  // as written
	value *string // nil: the reset value
	local bool
	// startup marks a value from the startup packet: it becomes the reset
	// value.
	startup bool
	// sql marks SET or RESET, which may warn; set_config cannot.
	sql bool
}

// changeSetting applies ch and returns the new value as SHOW prints it,
// plus the notices a SET statement sends.
func (s *Session) changeSetting(ch settingChange) (string, []Notice, error) {
	c := &s.settings
	c.mu.Lock()
	defer c.mu.Unlock()
	key, d, ok := c.lookupLocked(ch.name)
	var notices []Notice
	if !ok {
		var err error
		if d, notices, err = newCustomSetting(key, ch); err != nil {
			return "", nil, err
		}
		if c.custom == nil {
			c.custom = map[string]string{}
		}
		c.custom[key] = d.name
	}
	if d.readOnly() {
		return "", nil, sqlerr.New(codeCantChangeRuntimeParam, "parameter \"%s\" cannot be changed", d.name)
	}
	current, _ := s.valueLocked(key, d)
	var value string
	if ch.value == nil {
		value = s.resetValueLocked(key, d)
		if d.get != nil && strings.HasPrefix(key, "transaction_") {
			value = s.defaultTxnValueLocked(key)
		}
	} else {
		var err error
		if value, err = parseSetting(d, ch.name, *ch.value, current); err != nil {
			return "", nil, err
		}
	}
	switch key {
	case "transaction_isolation", "transaction_read_only", "transaction_deferrable":
		if err := s.setTxnCharacteristic(key, value); err != nil {
			return "", nil, err
		}
		return displayValue(d, value), notices, nil
	case "session_authorization", "role":
		if err := s.checkRole(d, value); err != nil {
			return "", nil, err
		}
		if key == "session_authorization" {
			return displayValue(d, value), notices, nil
		}
	}
	switch {
	case ch.startup:
		c.startup = setIn(c.startup, key, value)
	case ch.local:
		c.local = setIn(c.local, key, value)
	case ch.value == nil:
		delete(c.session, key)
		delete(c.local, key)
	default:
		c.session = setIn(c.session, key, value)
		delete(c.local, key)
	}
	s.settingsChangedLocked()
	return displayValue(d, value), notices, nil
}

func setIn(m map[string]string, k, v string) map[string]string {
	if m == nil {
		m = map[string]string{}
	}
	m[k] = v
	return m
}

// newCustomSetting decides about a name the registry does not know.
func newCustomSetting(key string, ch settingChange) (*settingDef, []Notice, error) {
	prefix, _, dotted := strings.Cut(key, ".")
	switch {
	case prefix == "apiary":
		return nil, nil, sqlerr.New(codeInvalidName, "invalid configuration parameter name \"%s\"", ch.name).
			WithDetail("\"apiary\" is a reserved prefix.")
	case dotted:
		if strings.HasPrefix(key, ".") || strings.HasSuffix(key, ".") || strings.Contains(key, "..") {
			return nil, nil, sqlerr.New(codeInvalidName, "invalid configuration parameter name \"%s\"", ch.name).
				WithDetail("Custom parameter names must be two or more simple identifiers separated by dots.")
		}
		return customDef(ch.name), nil, nil
	case key == "":
		return nil, nil, sqlerr.New(sqlerr.InvalidParameterValue, "SET requires parameter name")
	}
	var notices []Notice
	if ch.sql {
		notices = append(notices, Notice{Severity: "WARNING", Code: sqlerr.UndefinedObject,
			Message: "unrecognized configuration parameter \"" + ch.name + "\"",
			Detail:  "Apiary keeps the value for SHOW but does nothing with it."})
	}
	return customDef(ch.name), notices, nil
}

// settingsChangedLocked updates what the session derives from its
// settings.
func (s *Session) settingsChangedLocked() {
	v, _ := s.valueLocked("search_path", settingsByName["search_path"])
	path, err := splitIdentifierList(v)
	if err != nil {
		return
	}
	s.searchPath = s.searchPath[:0:0]
	for _, p := range path {
		if p == "$user" {
			p = s.user
		}
		s.searchPath = append(s.searchPath, p)
	}
}

// clearLocalSettings drops SET LOCAL values (and set_config(..., true)
// ones) at the end of a transaction, or of a statement outside a block.
func (s *Session) clearLocalSettings() {
	c := &s.settings
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.local) > 0 {
		c.local = nil
		s.settingsChangedLocked()
	}
}

// resetAllSettings is RESET ALL: every session value goes back to its
// reset value.
func (s *Session) resetAllSettings() {
	c := &s.settings
	c.mu.Lock()
	defer c.mu.Unlock()
	c.session, c.local = nil, nil
	s.settingsChangedLocked()
}

// getSettingLocked returns a setting's canonical value, "" when unknown.
func (s *Session) getSettingLocked(key string) string {
	d, ok := settingsByName[key]
	if !ok {
		return ""
	}
	v, _ := s.valueLocked(key, d)
	return v
}

func (s *Session) getSetting(key string) string {
	s.settings.mu.Lock()
	defer s.settings.mu.Unlock()
	return s.getSettingLocked(key)
}

// Parameter reports a setting by its PostgreSQL name (any case) as SHOW
// prints it, so the wire server can send ParameterStatus. server_version
// is left to the server (ok false): its string names Apiary's own version
// as well, which the engine does not know.
func (s *Session) Parameter(name string) (string, bool) {
	if strings.EqualFold(name, "server_version") {
		return "", false
	}
	return s.showSetting(name)
}

// ApplyStartupParams applies the settings of a connection's startup packet
// (its parameters and the options parameter's -c name=value settings) with
// the validation SET uses. They become the values RESET returns to. An
// invalid value is an error with SQLSTATE 22023 (0A000 for a value Apiary
// cannot honour, 55P02 for a read-only parameter), which the server reports
// as FATAL. Unknown names are accepted, as SET accepts them; user,
// database, options and replication are the server's.
func (s *Session) ApplyStartupParams(params map[string]string) error {
	for _, name := range slices.Sorted(maps.Keys(params)) {
		switch strings.ToLower(name) {
		case "user", "database", "options", "replication":
			continue
		}
		v := params[name]
		if _, _, err := s.changeSetting(settingChange{name: name, value: &v, startup: true}); err != nil {
			return err
		}
	}
	return nil
}

// StartSession is NewSession followed by ApplyStartupParams: a session for
// a client connection.
func (e *Engine) StartSession(ctx context.Context, user, hive string, params map[string]string) (*Session, error) {
	s, err := e.NewSession(ctx, user, hive)
	if err != nil {
		return nil, err
	}
	if err := s.ApplyStartupParams(params); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Location returns the session time zone (TimeZone).
func (s *Session) Location() *time.Location {
	c := &s.settings
	c.mu.Lock()
	defer c.mu.Unlock()
	return s.locationLocked()
}

func (s *Session) locationLocked() *time.Location {
	c := &s.settings
	tz := s.getSettingLocked("timezone")
	if c.zone == nil || c.zoneValue != tz {
		loc, err := loadTimeZone(tz)
		if err != nil {
			loc = time.UTC
		}
		c.zone, c.zoneValue = loc, tz
	}
	return c.zone
}

// TextFormat returns how the session prints values in text: its time
// zone, extra_float_digits and bytea_output.
func (s *Session) TextFormat() vec.TextFormat {
	c := &s.settings
	c.mu.Lock()
	defer c.mu.Unlock()
	efd, _ := strconv.Atoi(s.getSettingLocked("extra_float_digits"))
	return vec.TextFormat{
		Loc:         s.locationLocked(),
		FloatDigits: vec.FloatDigitsFor(efd),
		ByteaEscape: s.getSettingLocked("bytea_output") == "escape",
	}
}

// timeoutSetting returns a millisecond setting as a duration.
func (s *Session) timeoutSetting(key string) time.Duration {
	ms, _ := strconv.ParseInt(s.getSetting(key), 10, 64)
	return time.Duration(ms) * time.Millisecond
}

// StatementTimeout, IdleInTransactionTimeout and IdleSessionTimeout return
// the session's statement_timeout, idle_in_transaction_session_timeout and
// idle_session_timeout; 0 means none.
func (s *Session) StatementTimeout() time.Duration { return s.timeoutSetting("statement_timeout") }

func (s *Session) IdleInTransactionTimeout() time.Duration {
	return s.timeoutSetting("idle_in_transaction_session_timeout")
}

func (s *Session) IdleSessionTimeout() time.Duration { return s.timeoutSetting("idle_session_timeout") }

// noticeLevels orders client_min_messages and notice severities.
var noticeLevels = map[string]int{"debug5": 1, "debug4": 2, "debug3": 3, "debug2": 4, "debug1": 5, "debug": 5,
	"log": 6, "notice": 7, "warning": 8, "error": 9}

// keepNotices drops the notices client_min_messages filters out. INFO
// always reaches the client, as in PostgreSQL.
func (s *Session) keepNotices(ns []Notice) []Notice {
	if len(ns) == 0 {
		return nil
	}
	least := noticeLevels[s.getSetting("client_min_messages")]
	var out []Notice
	for _, n := range ns {
		sev := strings.ToLower(n.Severity)
		if sev == "info" || noticeLevels[sev] >= least {
			out = append(out, n)
		}
	}
	return out
}

// SettingsRows returns pg_settings for the session: every parameter SHOW
// ALL lists, ordered by name as PostgreSQL orders it (ignoring case).
// Setting is the value in the parameter's base unit; Source is default,
// client (startup packet), session or override.
func (s *Session) SettingsRows() []pgcatalog.Setting {
	c := &s.settings
	c.mu.Lock()
	defer c.mu.Unlock()
	rows := make([]pgcatalog.Setting, 0, len(listedSettingDefs))
	for _, d := range listedSettingDefs {
		key := strings.ToLower(d.name)
		v, src := s.valueLocked(key, d)
		r := pgcatalog.Setting{
			Name: d.name, Setting: v, Unit: d.unit, Category: d.category, ShortDesc: d.desc,
			Context: d.context, Vartype: d.typ.String(), Source: src,
			BootVal: d.boot, ResetVal: s.resetValueLocked(key, d),
		}
		if d.get != nil {
			r.BootVal, r.ResetVal = v, v
		}
		switch d.typ {
		case intVar:
			r.MinVal, r.MaxVal = strconv.FormatFloat(d.min, 'f', -1, 64), strconv.FormatFloat(d.max, 'f', -1, 64)
		case realVar:
			r.MinVal, r.MaxVal = formatReal(d.min), formatReal(d.max)
		case enumVar:
			r.EnumVals = slices.Clone(d.enum)
		}
		rows = append(rows, r)
	}
	return rows
}

// settingsView is the session's settings as expressions see them
// (current_setting, set_config).
type settingsView struct{ s *Session }

var _ expr.Settings = settingsView{}

func (v settingsView) Get(name string) (string, bool) { return v.s.showSetting(name) }

func (v settingsView) Set(name string, value *string, local bool) (string, error) {
	shown, _, err := v.s.changeSetting(settingChange{name: name, value: value, local: local})
	return shown, err
}
