package exec

import (
	"strings"

	"github.com/cockroachdb/cockroachdb-parser/pkg/sql/sem/tree"

	"github.com/apiarydb/apiary/sqlerr"
)

// copyStmt is a parsed COPY statement:
//
//	COPY frame [(col, ...)] FROM { STDIN | 'url-or-glob' } [[WITH] (option, ...)]
//	COPY { frame [(col, ...)] | (query) } TO STDOUT [[WITH] (option, ...)]
//
// and PostgreSQL's pre-9.0 option syntax (COPY t FROM STDIN CSV HEADER
// DELIMITER ',' NULL 'x'), which psql's \copy passes through and some tools
// still send.
type copyStmt struct {
	table     *tree.TableName // nil for COPY (query) TO
	tableText string          // the name as written, for messages
	columns   []string
	query     string // COPY (query) TO: the query text
	from      bool
	// source is the file or URL of COPY FROM 'source'; "" means STDIN
	// (FROM) or STDOUT (TO).
	source string
	opts   copyOptions
}

// copyOptions are COPY's options after parsing, before defaults.
type copyOptions struct {
	format      string // "text", "csv", "binary", "parquet", "arrow"; "" = not given
	header      bool
	headerMatch bool
	delimiter   *string
	null        *string
	quote       *string
	escape      *string
	encoding    string
	// forceQuote lists columns quoted in CSV output; forceQuoteAll is '*'.
	forceQuote    []string
	forceQuoteAll bool
	forceNotNull  []string
	forceNull     []string
	// overwrite replaces the frame's whole contents with the rows loaded;
	// overwritePartitions replaces exactly the partitions the rows fall
	// in. Apiary's own options (docs/loading.md).
	overwrite           bool
	overwritePartitions bool

	seen map[string]bool
}

// parseCopy parses a COPY statement.
func parseCopy(sql string) (*copyStmt, error) {
	l, err := lex(sql)
	if err != nil {
		return nil, err
	}
	if !l.keyword("copy") {
		return nil, l.syntaxError()
	}
	st := &copyStmt{opts: copyOptions{seen: map[string]bool{}}}
	if l.keyword("binary") {
		// COPY BINARY t ... (pre-7.3 syntax).
		st.opts.format = "binary"
		st.opts.seen["format"] = true
	}
	if l.punct("(") {
		q, err := l.parenthesised()
		if err != nil {
			return nil, err
		}
		st.query = q
	} else {
		if st.table, st.tableText, err = l.tableName(); err != nil {
			return nil, err
		}
		if l.punct("(") {
			if st.columns, err = l.nameList(); err != nil {
				return nil, err
			}
		}
	}
	switch {
	case l.keyword("from"):
		st.from = true
		if st.query != "" {
			return nil, sqlerr.New(sqlerr.SyntaxError, "syntax error at or near \"FROM\"").
				WithHint("COPY (query) only copies TO a destination.")
		}
	case l.keyword("to"):
	default:
		return nil, l.syntaxError()
	}
	t := l.next()
	switch {
	case t.kind == tokString:
		if t.text == "" {
			return nil, sqlerr.New(sqlerr.SyntaxError, "COPY needs a file name or URL, got ''")
		}
		st.source = t.text
	case t.kind == tokIdent && !t.quoted && t.text == "stdin" && st.from,
		t.kind == tokIdent && !t.quoted && t.text == "stdout" && !st.from:
	case t.kind == tokIdent && !t.quoted && t.text == "program":
		return nil, unsupported("COPY ... PROGRAM is not supported: Apiary does not run commands on the node")
	default:
		l.i--
		return nil, l.syntaxError()
	}
	if err := l.copyOptionsClause(&st.opts); err != nil {
		return nil, err
	}
	if l.isKeyword("where") {
		return nil, unsupported("COPY FROM ... WHERE is not supported")
	}
	if err := l.atEnd(); err != nil {
		return nil, err
	}
	return st, nil
}

// parenthesised returns the raw text up to the parenthesis that closes the
// one just consumed, skipping strings, quoted identifiers and comments.
func (l *lexer) parenthesised() (string, error) {
	open := l.toks[l.i-1].pos
	depth := 1
	for {
		t := l.next()
		switch {
		case t.kind == tokEOF:
			return "", l.syntaxError()
		case t.kind == tokPunct && t.text == "(":
			depth++
		case t.kind == tokPunct && t.text == ")":
			depth--
			if depth == 0 {
				q := strings.TrimSpace(l.src[open+1 : t.pos])
				if q == "" {
					return "", sqlerr.New(sqlerr.SyntaxError, "syntax error at or near \")\"").WithPosition(t.pos + 1)
				}
				return q, nil
			}
		}
	}
}

// copyOptionsClause reads "[WITH] (option [value], ...)" or the legacy
// keyword list.
func (l *lexer) copyOptionsClause(o *copyOptions) error {
	l.keyword("with")
	if l.punct("(") {
		for {
			name, err := l.ident()
			if err != nil {
				return err
			}
			if err := l.copyOption(o, name); err != nil {
				return err
			}
			if l.punct(")") {
				return nil
			}
			if err := l.expectPunct(","); err != nil {
				return err
			}
		}
	}
	return l.legacyCopyOptions(o)
}

// copyOption reads the value of one parenthesised option.
func (l *lexer) copyOption(o *copyOptions, name string) error {
	if o.seen[name] {
		return sqlerr.New(sqlerr.SyntaxError, "conflicting or redundant options").WithPosition(l.toks[l.i-1].pos + 1)
	}
	o.seen[name] = true
	switch name {
	case "format":
		v, err := l.optionWord()
		if err != nil {
			return err
		}
		o.format = strings.ToLower(v)
	case "freeze":
		// Meaningless for cells, which are new files anyway.
		_, err := l.optionBool(name)
		return err
	case "delimiter":
		v, err := l.optionString(name)
		o.delimiter = &v
		return err
	case "null":
		v, err := l.optionString(name)
		o.null = &v
		return err
	case "header":
		if l.keyword("match") {
			o.header, o.headerMatch = true, true
			return nil
		}
		v, err := l.optionBool(name)
		o.header = v
		return err
	case "quote":
		v, err := l.optionString(name)
		o.quote = &v
		return err
	case "escape":
		v, err := l.optionString(name)
		o.escape = &v
		return err
	case "encoding":
		v, err := l.optionString(name)
		o.encoding = v
		return err
	case "force_quote":
		if l.punct("*") {
			o.forceQuoteAll = true
			return nil
		}
		if err := l.expectPunct("("); err != nil {
			return err
		}
		v, err := l.nameList()
		o.forceQuote = v
		return err
	case "force_not_null", "force_null":
		if err := l.expectPunct("("); err != nil {
			return err
		}
		v, err := l.nameList()
		if name == "force_null" {
			o.forceNull = v
		} else {
			o.forceNotNull = v
		}
		return err
	case "overwrite":
		v, err := l.optionBool(name)
		o.overwrite = v
		return err
	case "overwrite_partitions":
		v, err := l.optionBool(name)
		o.overwritePartitions = v
		return err
	default:
		return sqlerr.New(sqlerr.SyntaxError, "option %q not recognized", name).WithPosition(l.toks[l.i-1].pos + 1)
	}
	return nil
}

func (l *lexer) optionWord() (string, error) {
	t := l.next()
	if t.kind == tokIdent || t.kind == tokString {
		return t.text, nil
	}
	l.i--
	return "", l.syntaxError()
}

func (l *lexer) optionString(name string) (string, error) {
	t := l.next()
	if t.kind == tokString {
		return t.text, nil
	}
	l.i--
	if t.kind == tokPunct || t.kind == tokEOF {
		return "", sqlerr.New(sqlerr.SyntaxError, "%s requires a parameter", name)
	}
	return "", l.syntaxError()
}

// optionBool reads an optional boolean: absent means true, as in
// PostgreSQL's defGetBoolean.
func (l *lexer) optionBool(name string) (bool, error) {
	t := l.peek()
	if t.kind == tokPunct || t.kind == tokEOF {
		return true, nil
	}
	l.i++
	switch strings.ToLower(t.text) {
	case "true", "on", "1", "yes", "t":
		return true, nil
	case "false", "off", "0", "no", "f":
		return false, nil
	}
	return false, sqlerr.New(sqlerr.SyntaxError, "%s requires a Boolean value", name).WithPosition(t.pos + 1)
}

// legacyCopyOptions reads the pre-9.0 option list:
//
//	[BINARY] [DELIMITER [AS] 'c'] [NULL [AS] 's'] [CSV [HEADER] [QUOTE [AS] 'q']
//	[ESCAPE [AS] 'e'] [FORCE NOT NULL col, ...] [FORCE QUOTE {col, ... | *}]]
func (l *lexer) legacyCopyOptions(o *copyOptions) error {
	set := func(name string) error {
		if o.seen[name] {
			return sqlerr.New(sqlerr.SyntaxError, "conflicting or redundant options")
		}
		o.seen[name] = true
		return nil
	}
	str := func(name string) (*string, error) {
		if err := set(name); err != nil {
			return nil, err
		}
		l.keyword("as")
		v, err := l.optionString(name)
		return &v, err
	}
	for {
		var err error
		switch {
		case l.keyword("binary"):
			err = set("format")
			o.format = "binary"
		case l.keyword("csv"):
			err = set("format")
			o.format = "csv"
		case l.keyword("header"):
			err = set("header")
			o.header = true
		case l.keyword("delimiter"):
			o.delimiter, err = str("delimiter")
		case l.keyword("null"):
			o.null, err = str("null")
		case l.keyword("quote"):
			o.quote, err = str("quote")
		case l.keyword("escape"):
			o.escape, err = str("escape")
		case l.keyword("encoding"):
			var v *string
			v, err = str("encoding")
			if v != nil {
				o.encoding = *v
			}
		case l.keyword("force"):
			switch {
			case l.keyword("not"):
				if !l.keyword("null") {
					return l.syntaxError()
				}
				if err := set("force_not_null"); err != nil {
					return err
				}
				o.forceNotNull, err = l.bareNameList()
			case l.keyword("quote"):
				if err := set("force_quote"); err != nil {
					return err
				}
				if l.punct("*") {
					o.forceQuoteAll = true
				} else {
					o.forceQuote, err = l.bareNameList()
				}
			default:
				return l.syntaxError()
			}
		default:
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// bareNameList reads "a, b, c" without parentheses.
func (l *lexer) bareNameList() ([]string, error) {
	var names []string
	for {
		n, err := l.ident()
		if err != nil {
			return nil, err
		}
		names = append(names, n)
		if !l.punct(",") {
			return names, nil
		}
	}
}

// copyFormat is COPY's resolved format and options.
type copyFormat struct {
	kind      string // "text", "csv", "parquet", "arrow"
	header    bool
	match     bool // HEADER MATCH
	delim     byte
	null      string
	quote     byte
	escape    byte
	overwrite bool
	// overwritePartitions: see copyOptions.
	overwritePartitions bool
	forceQuoteAll       bool
	forceQuote          []string
	forceNotNull        []string
	forceNull           []string
}

// resolve checks the options against each other and the direction of the
// COPY, as PostgreSQL's ProcessCopyOptions does (same messages and codes),
// and fills in defaults. defaultFormat applies when FORMAT was not given.
func (o *copyOptions) resolve(from bool, defaultFormat string) (*copyFormat, error) {
	f := &copyFormat{kind: o.format, header: o.header, match: o.headerMatch,
		overwrite: o.overwrite, overwritePartitions: o.overwritePartitions,
		forceQuoteAll: o.forceQuoteAll, forceQuote: o.forceQuote, forceNotNull: o.forceNotNull, forceNull: o.forceNull}
	if f.kind == "" {
		f.kind = defaultFormat
	}
	switch f.kind {
	case "text", "csv":
	case "binary":
	case "parquet":
		if !from {
			return nil, unsupported("COPY TO ... (FORMAT parquet) is not supported; Parquet is an input format of COPY FROM a file or URL")
		}
	case "arrow":
		if from {
			return nil, sqlerr.New(sqlerr.FeatureNotSupported, "COPY FROM ... (FORMAT arrow) is not supported; Arrow is an output format of COPY ... TO STDOUT").
				WithHint("Load Arrow data as Parquet with COPY frame FROM 'url' (FORMAT parquet), or as CSV.")
		}
	default:
		return nil, sqlerr.New(sqlerr.InvalidParameterValue, "COPY format %q not recognized", f.kind)
	}
	if o.encoding != "" {
		if e := strings.ToUpper(strings.ReplaceAll(o.encoding, "-", "")); e != "UTF8" && e != "UNICODE" {
			return nil, unsupported("COPY encoding %q is not supported; Apiary reads and writes UTF8 only", o.encoding)
		}
	}
	if !from && (f.overwrite || f.overwritePartitions) {
		return nil, sqlerr.New(sqlerr.SyntaxError, "OVERWRITE and OVERWRITE_PARTITIONS are options of COPY FROM")
	}
	if f.overwrite && f.overwritePartitions {
		return nil, sqlerr.New(sqlerr.SyntaxError, "OVERWRITE and OVERWRITE_PARTITIONS cannot be combined").
			WithHint("OVERWRITE replaces the whole frame; OVERWRITE_PARTITIONS only the partitions the rows fall in.")
	}
	csv := f.kind == "csv"
	if f.kind == "parquet" || f.kind == "arrow" || f.kind == "binary" {
		// Options of the text formats, refused as PostgreSQL refuses them
		// in BINARY mode.
		for _, opt := range []string{"delimiter", "null", "quote", "escape", "header", "force_not_null", "force_null"} {
			if o.seen[opt] {
				return nil, sqlerr.New(sqlerr.SyntaxError, "cannot specify %s in %s mode", strings.ToUpper(opt), strings.ToUpper(f.kind))
			}
		}
		if f.kind != "parquet" && o.seen["force_quote"] {
			return nil, unsupported("COPY force quote available only in CSV mode")
		}
		return f, nil
	}
	f.delim, f.null = '\t', `\N`
	if csv {
		f.delim, f.null = ',', ""
	}
	if o.delimiter != nil {
		if len(*o.delimiter) != 1 {
			return nil, unsupported("COPY delimiter must be a single one-byte character")
		}
		f.delim = (*o.delimiter)[0]
	}
	if f.delim == '\n' || f.delim == '\r' {
		return nil, sqlerr.New(sqlerr.InvalidParameterValue, "COPY delimiter cannot be newline or carriage return")
	}
	if o.null != nil {
		f.null = *o.null
	}
	if strings.ContainsAny(f.null, "\r\n") {
		return nil, sqlerr.New(sqlerr.InvalidParameterValue, "COPY null representation cannot use newline or carriage return")
	}
	if !csv && strings.IndexByte(`\.abcdefghijklmnopqrstuvwxyz0123456789`, f.delim) >= 0 {
		return nil, sqlerr.New(sqlerr.InvalidParameterValue, "COPY delimiter cannot be %q", string(f.delim))
	}
	if f.match && !from {
		return nil, unsupported("cannot use \"match\" with HEADER in COPY TO")
	}
	if !csv && o.quote != nil {
		return nil, unsupported("COPY quote available only in CSV mode")
	}
	if !csv && o.escape != nil {
		return nil, unsupported("COPY escape available only in CSV mode")
	}
	if !csv && (f.forceQuoteAll || len(f.forceQuote) > 0) {
		return nil, unsupported("COPY force quote available only in CSV mode")
	}
	if (f.forceQuoteAll || len(f.forceQuote) > 0) && from {
		return nil, unsupported("COPY force quote only available using COPY TO")
	}
	if !csv && len(f.forceNotNull) > 0 {
		return nil, unsupported("COPY force not null available only in CSV mode")
	}
	if len(f.forceNotNull) > 0 && !from {
		return nil, unsupported("COPY force not null only available using COPY FROM")
	}
	if !csv && len(f.forceNull) > 0 {
		return nil, unsupported("COPY force null available only in CSV mode")
	}
	if len(f.forceNull) > 0 && !from {
		return nil, unsupported("COPY force null only available using COPY FROM")
	}
	if csv {
		f.quote = '"'
		if o.quote != nil {
			if len(*o.quote) != 1 {
				return nil, unsupported("COPY quote must be a single one-byte character")
			}
			f.quote = (*o.quote)[0]
		}
		if f.delim == f.quote {
			return nil, sqlerr.New(sqlerr.InvalidParameterValue, "COPY delimiter and quote must be different")
		}
		f.escape = f.quote
		if o.escape != nil {
			if len(*o.escape) != 1 {
				return nil, unsupported("COPY escape must be a single one-byte character")
			}
			f.escape = (*o.escape)[0]
		}
		if strings.IndexByte(f.null, f.quote) >= 0 {
			return nil, sqlerr.New(sqlerr.InvalidParameterValue, "CSV quote character must not appear in the NULL specification")
		}
	}
	if strings.IndexByte(f.null, f.delim) >= 0 {
		return nil, sqlerr.New(sqlerr.InvalidParameterValue, "COPY delimiter must not appear in the NULL specification")
	}
	return f, nil
}
