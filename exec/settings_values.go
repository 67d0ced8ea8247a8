package exec

import (
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/apiarydb/apiary/sqlerr"
)

// Parsing and printing of setting values, with PostgreSQL's rules and
// messages: booleans with their prefixes, integers with units, enums with
// their hints. name is always the parameter as the statement wrote it, as
// in PostgreSQL's messages.

func errInvalidValue(name, v string) *sqlerr.Error {
	return sqlerr.New(sqlerr.InvalidParameterValue, "invalid value for parameter \"%s\": \"%s\"", name, v)
}

// parseSetting canonicalises raw for d: the form pg_settings.setting
// shows. current is the present value, which some checks build on.
func parseSetting(d *settingDef, name, raw, current string) (string, error) {
	var v string
	var err error
	switch d.typ {
	case boolVar:
		v, err = parseBoolSetting(name, raw)
	case intVar:
		v, err = parseIntSetting(d, name, raw)
	case realVar:
		v, err = parseRealSetting(d, name, raw)
	case enumVar:
		v, err = parseEnumSetting(d, name, raw)
	default:
		v = raw
	}
	if err == nil && d.check != nil {
		v, err = d.check(v, current)
	}
	return v, err
}

// parseBoolSetting accepts what PostgreSQL's parse_bool does: on, off,
// 1, 0 and any prefix of true, false, yes, no (of at least two letters
// for on and off), in any case.
func parseBoolSetting(name, raw string) (string, error) {
	v := strings.ToLower(raw)
	prefixOf := func(word string, least int) bool {
		return len(v) >= least && strings.HasPrefix(word, v)
	}
	switch {
	case v == "1", prefixOf("true", 1), prefixOf("yes", 1), prefixOf("on", 2):
		return "on", nil
	case v == "0", prefixOf("false", 1), prefixOf("no", 1), prefixOf("off", 2):
		return "off", nil
	}
	return "", sqlerr.New(sqlerr.InvalidParameterValue, "parameter \"%s\" requires a Boolean value", name)
}

// unitScale is one unit of integer settings, in kB or ms.
type unitScale struct {
	name  string
	scale float64
}

// Units in the order the largest exact one is chosen for printing.
var (
	memoryUnits = []unitScale{{"TB", 1 << 30}, {"GB", 1 << 20}, {"MB", 1 << 10}, {"kB", 1}, {"B", 1.0 / 1024}}
	timeUnits   = []unitScale{{"d", 86400000}, {"h", 3600000}, {"min", 60000}, {"s", 1000}, {"ms", 1}, {"us", 0.001}}
)

// unitsOf returns the unit table of a base unit and the base unit's size
// in it.
func unitsOf(base string) ([]unitScale, float64) {
	switch base {
	case "kB":
		return memoryUnits, 1
	case "8kB":
		return memoryUnits, 8
	case "ms":
		return timeUnits, 1
	case "s":
		return timeUnits, 1000
	}
	return nil, 1
}

func unitsHint(base string) string {
	units, _ := unitsOf(base)
	var names []string
	for i := len(units) - 1; i >= 0; i-- {
		names = append(names, `"`+units[i].name+`"`)
	}
	return "Valid units for this parameter are " + strings.Join(names[:len(names)-1], ", ") + ", and " + names[len(names)-1] + "."
}

var numberPrefixRe = regexp.MustCompile(`^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?`)

// parseIntSetting reads an integer, which may be fractional (rounded) and,
// for a parameter with a unit, carry one of its units ("5s", "64 MB"). It
// returns the value in the base unit.
func parseIntSetting(d *settingDef, name, raw string) (string, error) {
	m := numberPrefixRe.FindString(raw)
	if m == "" {
		return "", errInvalidValue(name, raw)
	}
	x, err := strconv.ParseFloat(strings.TrimSpace(m), 64)
	if err != nil || math.IsInf(x, 0) {
		return "", errInvalidValue(name, raw)
	}
	if unit := strings.TrimSpace(raw[len(m):]); unit != "" {
		if d.unit == "" {
			return "", errInvalidValue(name, raw)
		}
		units, base := unitsOf(d.unit)
		found := false
		for _, u := range units {
			if u.name == unit {
				x, found = x*u.scale/base, true
				break
			}
		}
		if !found {
			return "", errInvalidValue(name, raw).WithHint("%s", unitsHint(d.unit))
		}
	}
	x = math.RoundToEven(x)
	if x < math.MinInt32 || x > math.MaxInt32 {
		return "", errInvalidValue(name, raw).WithHint("Value exceeds integer range.")
	}
	if x < d.min || x > d.max {
		unit := ""
		if d.unit != "" {
			unit = " " + d.unit
		}
		return "", sqlerr.New(sqlerr.InvalidParameterValue, "%d%s is outside the valid range for parameter \"%s\" (%d .. %d)",
			int64(x), unit, name, int64(d.min), int64(d.max))
	}
	return strconv.FormatInt(int64(x), 10), nil
}

func parseRealSetting(d *settingDef, name, raw string) (string, error) {
	x, err := strconv.ParseFloat(strings.TrimSpace(raw), 64)
	if err != nil || math.IsNaN(x) {
		return "", errInvalidValue(name, raw)
	}
	if x < d.min || x > d.max {
		return "", sqlerr.New(sqlerr.InvalidParameterValue, "%s is outside the valid range for parameter \"%s\" (%s .. %s)",
			formatReal(x), name, formatReal(d.min), formatReal(d.max))
	}
	return formatReal(x), nil
}

// formatReal prints a real setting as PostgreSQL's %g does.
func formatReal(x float64) string { return strconv.FormatFloat(x, 'g', 6, 64) }

func parseEnumSetting(d *settingDef, name, raw string) (string, error) {
	v := strings.ToLower(strings.TrimSpace(raw))
	for _, e := range d.enum {
		if v == e {
			return e, nil
		}
	}
	if a, ok := d.aliases[v]; ok {
		return a, nil
	}
	return "", errInvalidValue(name, raw).WithHint("Available values: %s.", strings.Join(d.enum, ", "))
}

// displayValue prints a canonical value as SHOW does: integers with a
// unit in the largest unit that holds them exactly.
func displayValue(d *settingDef, v string) string {
	if d.typ != intVar || d.unit == "" {
		return v
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		return v
	}
	units, base := unitsOf(d.unit)
	x := float64(n) * base
	for _, u := range units {
		if u.scale >= 1 && math.Mod(x, u.scale) == 0 {
			return strconv.FormatFloat(x/u.scale, 'f', -1, 64) + u.name
		}
	}
	return v
}

// onlyValue accepts one value of a parameter whose others are valid in
// PostgreSQL but not honoured by Apiary.
func onlyValue(name, allowed, detail string) func(v, _ string) (string, error) {
	return func(v, _ string) (string, error) {
		if v != allowed {
			return "", sqlerr.New(sqlerr.FeatureNotSupported, "%s = %s is not supported", name, v).WithDetail("%s", detail)
		}
		return v, nil
	}
}

// checkApplicationName replaces what is not printable ASCII with '?', as
// PostgreSQL 15 does.
func checkApplicationName(v, _ string) (string, error) {
	b := []byte(v)
	for i, c := range b {
		if c < 32 || c > 126 {
			b[i] = '?'
		}
	}
	return string(b), nil
}

// pgEncodings are PostgreSQL's encoding names and aliases, lower case
// without punctuation, as pg_valid_client_encoding compares them.
var pgEncodings = map[string]string{
	"utf8": "UTF8", "unicode": "UTF8", "sqlascii": "SQL_ASCII",
	"eucjp": "EUC_JP", "euccn": "EUC_CN", "euckr": "EUC_KR", "euctw": "EUC_TW", "eucjis2004": "EUC_JIS_2004",
	"muleinternal": "MULE_INTERNAL", "latin1": "LATIN1", "latin2": "LATIN2", "latin3": "LATIN3", "latin4": "LATIN4",
	"latin5": "LATIN5", "latin6": "LATIN6", "latin7": "LATIN7", "latin8": "LATIN8", "latin9": "LATIN9", "latin10": "LATIN10",
	"iso88591": "LATIN1", "iso88592": "LATIN2", "iso88593": "LATIN3", "iso88594": "LATIN4", "iso88599": "LATIN5",
	"iso885910": "LATIN6", "iso885913": "LATIN7", "iso885914": "LATIN8", "iso885915": "LATIN9", "iso885916": "LATIN10",
	"iso88595": "ISO_8859_5", "iso88596": "ISO_8859_6", "iso88597": "ISO_8859_7", "iso88598": "ISO_8859_8",
	"win1250": "WIN1250", "win1251": "WIN1251", "win1252": "WIN1252", "win1253": "WIN1253", "win1254": "WIN1254",
	"win1255": "WIN1255", "win1256": "WIN1256", "win1257": "WIN1257", "win1258": "WIN1258", "win866": "WIN866", "win874": "WIN874",
	"windows1250": "WIN1250", "windows1251": "WIN1251", "windows1252": "WIN1252", "windows1253": "WIN1253",
	"windows1254": "WIN1254", "windows1255": "WIN1255", "windows1256": "WIN1256", "windows1257": "WIN1257",
	"windows1258": "WIN1258", "windows866": "WIN866", "windows874": "WIN874", "win": "WIN1251", "alt": "WIN866",
	"koi8": "KOI8R", "koi8r": "KOI8R", "koi8u": "KOI8U", "sjis": "SJIS", "mskanji": "SJIS", "shiftjis": "SJIS",
	"shiftjis2004": "SHIFT_JIS_2004", "big5": "BIG5", "gbk": "GBK", "uhc": "UHC", "gb18030": "GB18030", "johab": "JOHAB",
	"tcvn": "WIN1258", "tcvn5712": "WIN1258", "vscii": "WIN1258", "abc": "WIN1258",
}

// checkClientEncoding accepts UTF8 in its spellings. SQL_ASCII, which
// psql sends in a C locale, is taken as UTF8: it means "bytes as they
// are", and a UTF8 server's bytes are UTF8. So is "auto", which libpq
// resolves itself but some clients pass on. Other encodings are 0A000.
func checkClientEncoding(v, _ string) (string, error) {
	if strings.EqualFold(v, "auto") {
		return "UTF8", nil
	}
	var key strings.Builder
	for _, r := range strings.ToLower(v) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			key.WriteRune(r)
		}
	}
	enc, ok := pgEncodings[key.String()]
	switch {
	case !ok:
		return "", errInvalidValue("client_encoding", v)
	case enc == "UTF8", enc == "SQL_ASCII":
		return "UTF8", nil
	}
	return "", sqlerr.New(sqlerr.FeatureNotSupported, "client_encoding %s is not supported", enc).
		WithDetail("Apiary sends and receives UTF8 only.")
}

// checkDateStyle reads a DateStyle list: an output style and a field
// order, either of which keeps its current value when left out. Only the
// ISO output style exists; the order is accepted and reported, and has no
// effect because Apiary reads dates only in the unambiguous ISO form.
func checkDateStyle(v, current string) (string, error) {
	order := "MDY"
	if _, cur, ok := strings.Cut(current, ", "); ok {
		order = cur
	}
	style, newOrder := "", ""
	for _, tok := range strings.Split(v, ",") {
		tok = strings.TrimSpace(tok)
		var st, ord string
		switch strings.ToLower(tok) {
		case "iso":
			st = "ISO"
		case "sql":
			st = "SQL"
		case "postgres":
			st = "Postgres"
		case "german":
			st = "German"
		case "ymd":
			ord = "YMD"
		case "dmy", "euro", "european":
			ord = "DMY"
		case "mdy", "us", "noneuro", "noneuropean":
			ord = "MDY"
		case "default":
			st, ord = "ISO", "MDY"
		default:
			return "", errInvalidValue("DateStyle", v).WithDetail("Unrecognized key word: \"%s\".", tok)
		}
		if st != "" && style != "" && st != style || ord != "" && newOrder != "" && ord != newOrder {
			return "", errInvalidValue("DateStyle", v).WithDetail("Conflicting \"datestyle\" specifications.")
		}
		if st != "" {
			style = st
		}
		if ord != "" {
			newOrder = ord
		}
	}
	if style != "" && style != "ISO" {
		return "", sqlerr.New(sqlerr.FeatureNotSupported, "DateStyle %s is not supported", style).
			WithDetail("Apiary prints dates in the ISO style only; the field order (MDY, DMY, YMD) may be set.")
	}
	if newOrder != "" {
		order = newOrder
	}
	return "ISO, " + order, nil
}

func checkAbbreviations(v, _ string) (string, error) {
	switch v {
	case "Default", "Australia", "India":
		return v, nil
	}
	return "", errInvalidValue("timezone_abbreviations", v)
}

var localeNameRe = regexp.MustCompile(`^[A-Za-z0-9_.@-]*$`)

func checkLocaleName(v, _ string) (string, error) {
	if !localeNameRe.MatchString(v) {
		return "", errInvalidValue("locale", v)
	}
	return v, nil
}

func checkIdentifierList(v, _ string) (string, error) {
	if _, err := splitIdentifierList(v); err != nil {
		return "", err
	}
	return v, nil
}

// splitIdentifierList reads a comma-separated list of identifiers as
// PostgreSQL's SplitIdentifierString does: unquoted names are folded to
// lower case, "quoted" ones kept as written ("" inside is a quote).
func splitIdentifierList(s string) ([]string, error) {
	errSyntax := func() error {
		return errInvalidValue("search_path", s).WithDetail("List syntax is invalid.")
	}
	var out []string
	i := 0
	skipSpace := func() {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r' || s[i] == '\f') {
			i++
		}
	}
	skipSpace()
	if i == len(s) {
		return nil, nil
	}
	for {
		var name strings.Builder
		if s[i] == '"' {
			i++
			for {
				j := strings.IndexByte(s[i:], '"')
				if j < 0 {
					return nil, errSyntax()
				}
				name.WriteString(s[i : i+j])
				i += j + 1
				if i < len(s) && s[i] == '"' {
					name.WriteByte('"')
					i++
					continue
				}
				break
			}
		} else {
			start := i
			for i < len(s) && s[i] != ',' && s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r' && s[i] != '"' {
				i++
			}
			if i == start {
				return nil, errSyntax()
			}
			name.WriteString(strings.ToLower(s[start:i]))
		}
		out = append(out, name.String())
		skipSpace()
		if i == len(s) {
			return out, nil
		}
		if s[i] != ',' {
			return nil, errSyntax()
		}
		i++
		skipSpace()
		if i == len(s) {
			return nil, errSyntax()
		}
	}
}

// quoteIdentIfNeeded quotes a name unless it is a plain lower-case identifier, as
// PostgreSQL's quote_identifier does (keywords aside).
func quoteIdentIfNeeded(name string) string {
	plain := name != ""
	for i, r := range name {
		if !(r >= 'a' && r <= 'z' || r == '_' || i > 0 && (r >= '0' && r <= '9' || r == '$')) {
			plain = false
			break
		}
	}
	if plain {
		return name
	}
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}
