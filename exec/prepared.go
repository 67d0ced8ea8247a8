package exec

import (
	"bytes"
	"context"
	"runtime/debug"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/cockroachdb/cockroachdb-parser/pkg/sql/sem/tree"

	"github.com/apiarydb/apiary/exec/expr"
	"github.com/apiarydb/apiary/exec/plan"
	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
)

// Prepared statements serve the extended query protocol (Parse, Describe,
// Bind, Execute). A statement is parsed and described once, at Parse: its
// parameters get their types there, from the client's declarations or, for
// those sent as unknown (OID 0), from their context, as PostgreSQL infers
// them. Each execution substitutes the bound values into the statement as
// typed literals ('v'::type) and runs it as a simple statement would be
// run: planning then sees real constants, so partition and min/max pruning
// work for parameters as for literals.

// Prepared is a parsed and described statement.
type Prepared struct {
	// SQL is the statement as the client sent it.
	SQL string
	// ParamOIDs are the parameters' type OIDs: those the client declared
	// (when not 0 or unknown) and the inferred ones for the rest.
	ParamOIDs []uint32
	// Columns describes the rows the statement returns; nil when it
	// returns none (or when, as for COPY, they are not rows of a result).
	Columns []Column
	// Empty is set for a statement of only white space and comments:
	// Execute answers EmptyQueryResponse.
	Empty bool

	paramTypes []vec.Type // the type each value is read as; zero: untyped
}

// maxParams is the protocol's limit: Bind counts parameters in 16 bits.
const maxParams = 65535

// Prepare parses and describes sql and keeps it under name: the unnamed
// statement ("") is replaced silently, a named one must not exist yet
// (42P05), as in PostgreSQL. declared holds the client's parameter type
// OIDs; 0 (or 705, unknown) leaves a type to be inferred.
func (s *Session) Prepare(ctx context.Context, name, sql string, declared []uint32) (*Prepared, error) {
	if _, ok := s.statements[name]; ok && name != "" {
		return nil, sqlerr.New(sqlerr.DuplicatePreparedStatement, "prepared statement %q already exists", name)
	}
	p, err := s.prepare(ctx, sql, declared)
	if err != nil {
		return nil, err
	}
	if s.statements == nil {
		s.statements = make(map[string]*Prepared)
	}
	s.statements[name] = p
	return p, nil
}

// Statement returns the prepared statement called name ("" is the unnamed
// one).
func (s *Session) Statement(name string) (*Prepared, bool) {
	p, ok := s.statements[name]
	return p, ok
}

// CloseStatement forgets a prepared statement; closing one that does not
// exist is not an error.
func (s *Session) CloseStatement(name string) { delete(s.statements, name) }

// deallocate runs DEALLOCATE [PREPARE] name | ALL.
func (s *Session) deallocate(n *tree.Deallocate) (Result, error) {
	if n.Name == "" {
		s.statements = nil
		return Result{Tag: "DEALLOCATE ALL"}, nil
	}
	name := string(n.Name)
	if _, ok := s.statements[name]; !ok {
		return Result{}, sqlerr.New(sqlerr.InvalidSQLStatementName, "prepared statement %q does not exist", name)
	}
	delete(s.statements, name)
	return Result{Tag: "DEALLOCATE"}, nil
}

// discardPrepared drops every prepared statement and closes every cursor
// (DISCARD ALL).
func (s *Session) discardPrepared() {
	s.statements = nil
	s.closeCursors()
}

func (s *Session) prepare(ctx context.Context, sql string, declared []uint32) (p *Prepared, err error) {
	defer func() {
		if r := recover(); r != nil {
			s.eng.log.Error("panic while preparing statement", "statement", sql, "panic", r, "stack", string(debug.Stack()))
			p, err = nil, sqlerr.New(sqlerr.InternalError, "internal error: %v", r)
		}
	}()
	stmts := splitStatements(sql)
	switch {
	case len(stmts) == 0:
		return &Prepared{SQL: sql, Empty: true}, nil
	case len(stmts) > 1:
		return nil, sqlerr.New(sqlerr.SyntaxError, "cannot insert multiple commands into a prepared statement")
	}
	stmt := stmts[0]
	p = &Prepared{SQL: sql}
	pre := preparse(stmt)
	if pre.describe != "" || pre.own != nil {
		// A failed block takes only COMMIT and ROLLBACK (checked below
		// once parsed); these are neither.
		if err := s.checkNotFailed(); err != nil {
			return nil, err
		}
	}
	if pre.describe != "" {
		// DESCRIBE is read-only: running it is the simplest way to learn
		// its columns.
		res, err := s.describe(ctx, pre.describe)
		if err != nil {
			return nil, err
		}
		p.Columns = res.Rows.Columns()
		res.Rows.Close()
		return p, p.setParams(declared, nil)
	}
	if pre.own != nil {
		// COPY, OPTIMIZE and TRUNCATE ... PARTITION take no parameters and
		// return no rows (COPY's data is not a result set).
		return p, p.setParams(declared, nil)
	}
	// Error positions count from the start of the text sent, as in
	// PostgreSQL, not from the statement's (its white space and comments
	// trimmed).
	shiftToSQL := func(err error) error {
		shiftPosition(err, utf8.RuneCountInString(sql[:max(strings.Index(sql, stmt), 0)]))
		return err
	}
	parsed, err := parseSQL(pre.sql)
	if err != nil {
		return nil, shiftToSQL(pre.parseError(err))
	}
	if len(parsed) != 1 {
		return nil, sqlerr.New(sqlerr.SyntaxError, "cannot insert multiple commands into a prepared statement")
	}
	switch parsed[0].AST.(type) {
	case *tree.BeginTransaction, *tree.CommitTransaction, *tree.RollbackTransaction, *tree.RollbackToSavepoint:
	default:
		if err := s.checkNotFailed(); err != nil {
			return nil, err
		}
	}
	n := parsed[0].NumPlaceholders
	if len(declared) > n {
		n = len(declared)
	}
	if n > maxParams {
		return nil, sqlerr.New(sqlerr.ProgramLimitExceeded, "too many parameters (%d); the limit is %d", n, maxParams)
	}
	params := plan.NewParams(make([]vec.Type, n))
	for i, oid := range declared {
		if t, ok := paramType(oid); ok {
			params.Declared[i] = t
		}
	}
	cols, err := s.describeStatement(ctx, parsed[0].AST, params)
	if err != nil {
		if e := withNamePosition(err, stmt); e != err && positionedStatement(parsed[0].AST) {
			err = shiftToSQL(e)
		}
		return nil, err
	}
	p.Columns = cols
	return p, p.setParams(declared, params.Types())
}

// setParams settles the parameter OIDs and the types values are read as:
// a declared OID wins; inferred types fill the rest.
func (p *Prepared) setParams(declared []uint32, inferred []vec.Type) error {
	n := max(len(declared), len(inferred))
	p.ParamOIDs = make([]uint32, n)
	p.paramTypes = make([]vec.Type, n)
	for i := range n {
		var oid uint32
		if i < len(declared) {
			oid = declared[i]
		}
		if oid != 0 && oid != vec.OIDUnknown {
			p.ParamOIDs[i] = oid
			p.paramTypes[i], _ = paramType(oid)
			continue
		}
		if i < len(inferred) {
			// The OID keeps varchar and bpchar, which the engine's
			// unbounded text cannot tell apart from text.
			p.ParamOIDs[i] = inferred[i].OID()
			p.paramTypes[i] = baseType(inferred[i])
			continue
		}
		// Declared beyond the statement's own placeholders and unknown:
		// PostgreSQL calls such a parameter text.
		p.ParamOIDs[i] = vec.OIDText
		p.paramTypes[i] = vec.Text
	}
	return nil
}

// baseType drops a type's length and precision: a parameter compared with
// a varchar(10) column is a varchar, and its value must not be cut to fit.
func baseType(t vec.Type) vec.Type {
	switch t.Kind {
	case vec.KindText:
		if t.Blank {
			return vec.Text
		}
		return vec.Type{Kind: vec.KindText, Width: min(t.Width, 0)}
	case vec.KindNumeric:
		return vec.UnconstrainedNumeric
	}
	return t
}

// paramType is the engine type of a declared parameter OID; ok is false
// for types the engine does not have, whose values then stay untyped
// literals.
func paramType(oid uint32) (vec.Type, bool) {
	if oid == 0 || oid == vec.OIDUnknown {
		return vec.Type{}, false
	}
	t, ok := vec.TypeForOID(oid, -1)
	if !ok {
		return vec.Type{}, false
	}
	return baseType(t), true
}

// describeStatement returns the columns a parsed statement will return,
// settling the types of its placeholders on the way.
func (s *Session) describeStatement(ctx context.Context, ast tree.Statement, params *plan.Params) ([]Column, error) {
	switch n := ast.(type) {
	case *tree.Select:
		t, done := s.readTxn()
		defer done()
		p := plan.New(ctx, txnCatalog{s: s, t: t}, plan.Options{Env: s.env(), Mem: s.eng.queryMemory(), Bees: 1, Params: params})
		cols, err := p.Describe(n)
		if err != nil {
			return nil, err
		}
		out := s.resultColumns(ctx, cols)
		return out, nil
	case *tree.Insert:
		return nil, s.inferInsertParams(ctx, n, params)
	case *tree.Explain, *tree.ExplainAnalyze:
		return []Column{{Name: "QUERY PLAN", Type: vec.Text}}, nil
	case *tree.FetchCursor:
		return s.cursorColumns(string(n.Name))
	}
	if ast.StatementReturnType() == tree.Rows && strings.HasPrefix(ast.StatementTag(), "SHOW") {
		// SHOW statements read settings or the catalog and change nothing:
		// running one is how its columns are learned.
		res, err := s.dispatch(ctx, ast)
		if err != nil {
			return nil, err
		}
		if res.Rows == nil {
			return nil, nil
		}
		defer res.Rows.Close()
		return res.Rows.Columns(), nil
	}
	return nil, nil
}

// inferInsertParams gives placeholders in INSERT ... VALUES the types of
// the columns they fill, and describes INSERT ... SELECT's query.
func (s *Session) inferInsertParams(ctx context.Context, n *tree.Insert, params *plan.Params) error {
	if n.Rows == nil {
		return nil
	}
	values, ok := n.Rows.Select.(*tree.ValuesClause)
	if !ok {
		_, err := s.describeStatement(ctx, n.Rows, params)
		return err
	}
	target := n.Table
	if ate, ok := target.(*tree.AliasedTableExpr); ok {
		target = ate.Expr
	}
	tn, ok := target.(*tree.TableName)
	if !ok {
		return nil
	}
	t, done := s.readTxn()
	defer done()
	tab, err := txnCatalog{s: s, t: t}.Table(ctx, tn)
	if err != nil {
		return err
	}
	schema := make([]Column, len(tab.Columns))
	for i, c := range tab.Columns {
		schema[i] = Column{Name: c.Name, Type: c.Type}
	}
	cols, err := targetColumns(tab.Name, schema, n.Columns)
	if err != nil {
		return err
	}
	for _, row := range values.Rows {
		for i, e := range row {
			if i >= len(cols) {
				break
			}
			for {
				pe, ok := e.(*tree.ParenExpr)
				if !ok {
					break
				}
				e = pe.Expr
			}
			if ph, ok := e.(*tree.Placeholder); ok {
				idx := int(ph.Idx)
				if idx < len(params.Declared) && params.Declared[idx].Kind == vec.KindUnknown {
					params.Declared[idx] = schema[cols[i]].Type
				}
			}
		}
	}
	return nil
}

// Bound is a prepared statement with its parameter values, ready to run.
type Bound struct {
	sql   string
	empty bool
}

// Bind checks parameter values (text form; nil is NULL) against the
// statement's parameter types, as PostgreSQL's Bind does: a value its type
// cannot read fails here, before anything runs.
func (s *Session) Bind(p *Prepared, values [][]byte) (*Bound, error) {
	if len(values) != len(p.ParamOIDs) {
		return nil, sqlerr.New(sqlerr.ProtocolViolation, "bind message supplies %d parameters, but prepared statement requires %d", len(values), len(p.ParamOIDs))
	}
	if p.Empty {
		return &Bound{empty: true}, nil
	}
	if len(values) == 0 {
		return &Bound{sql: p.SQL}, nil
	}
	for i, v := range values {
		t := p.paramTypes[i]
		if v == nil || t.Kind == vec.KindUnknown || (t.Kind == vec.KindText && t.Width == 0) || expr.NeedsRegName(t) {
			// reg* names are resolved by the statement itself, against
			// the catalog.
			continue
		}
		if _, err := vec.ParseText(t, string(v), s.env().Location()); err != nil {
			return nil, err
		}
	}
	sql, err := bindParams(p.SQL, p.paramTypes, values)
	if err != nil {
		return nil, err
	}
	return &Bound{sql: sql}, nil
}

// ExecBound runs a bound statement. A statement without rows answers a
// Result with no Rows and no Tag when it was empty.
func (s *Session) ExecBound(ctx context.Context, b *Bound) (Result, error) {
	if b.empty {
		return Result{}, nil
	}
	stmts := splitStatements(b.sql)
	if len(stmts) != 1 {
		return Result{}, sqlerr.New(sqlerr.SyntaxError, "cannot insert multiple commands into a prepared statement")
	}
	res, err := s.execOne(ctx, stmts[0])
	if err != nil {
		s.StatementFailed()
	}
	return res, err
}

// StatementFailed records that a statement of the open transaction block
// failed (also while its rows were being sent): the block then accepts
// only ROLLBACK.
func (s *Session) StatementFailed() {
	if s.txn != nil {
		s.failed = true
	}
}

// bindParams substitutes each $n of sql (outside string constants, quoted
// identifiers and comments) with its value as a typed literal.
func bindParams(sql string, types []vec.Type, values [][]byte) (string, error) {
	var b strings.Builder
	b.Grow(len(sql) + 16*len(values))
	last := 0
	err := scanPlaceholders(sql, func(start, end, idx int) error {
		if idx < 1 || idx > len(values) {
			return sqlerr.New(sqlerr.UndefinedParameter, "there is no parameter $%d", idx).WithPosition(start + 1)
		}
		b.WriteString(sql[last:start])
		if err := appendParamLiteral(&b, types[idx-1], values[idx-1]); err != nil {
			return err
		}
		last = end
		return nil
	})
	if err != nil {
		return "", err
	}
	b.WriteString(sql[last:])
	return b.String(), nil
}

// appendParamLiteral writes a value as a parenthesised literal cast to its
// parameter type, so it binds exactly as PostgreSQL binds the parameter:
// 'v'::int4 is rejected the way a bad int4 parameter is.
func appendParamLiteral(b *strings.Builder, t vec.Type, v []byte) error {
	if t.Kind == vec.KindNumeric && t.Precision == 0 && vec.IsPlainDecimal(v) {
		// A numeric literal keeps the value's own scale ('1.25' * 2 is
		// 2.50), which a cast to unconstrained numeric would not.
		b.WriteByte('(')
		b.Write(v)
		if !bytes.ContainsRune(v, '.') {
			b.WriteByte('.')
		}
		b.WriteByte(')')
		return nil
	}
	b.WriteByte('(')
	if v == nil {
		b.WriteString("NULL")
	} else {
		b.WriteByte('\'')
		for _, c := range v {
			switch c {
			case 0:
				return sqlerr.New(sqlerr.CharacterNotInRepertoire, "invalid byte sequence for encoding \"UTF8\": 0x00")
			case '\'':
				b.WriteString("''")
			default:
				b.WriteByte(c)
			}
		}
		b.WriteByte('\'')
	}
	if t.Kind != vec.KindUnknown {
		b.WriteString("::")
		b.WriteString(t.String())
	}
	b.WriteByte(')')
	return nil
}

// scanPlaceholders calls fn for each $n of sql with its byte span and n,
// following PostgreSQL's lexical rules for what can hide a '$': string
// constants (”, E”, dollar-quoted), quoted identifiers and comments.
func scanPlaceholders(sql string, fn func(start, end, idx int) error) error {
	i := 0
	for i < len(sql) {
		c := sql[i]
		switch {
		case c == '\'':
			i = skipQuoted(sql, i, '\'', i > 0 && (sql[i-1] == 'e' || sql[i-1] == 'E') && (i < 2 || !isIdentPart(sql[i-2])))
		case c == '"':
			i = skipQuoted(sql, i, '"', false)
		case c == '-' && strings.HasPrefix(sql[i:], "--"):
			j := strings.IndexByte(sql[i:], '\n')
			if j < 0 {
				return nil
			}
			i += j + 1
		case c == '/' && strings.HasPrefix(sql[i:], "/*"):
			j, err := skipBlockComment(sql, i)
			if err != nil {
				return err
			}
			i = j
		case c == '$':
			if i > 0 && isIdentPart(sql[i-1]) {
				// Part of an identifier such as a$1.
				i++
				continue
			}
			j := i + 1
			for j < len(sql) && sql[j] >= '0' && sql[j] <= '9' {
				j++
			}
			if j > i+1 {
				n, err := strconv.Atoi(sql[i+1 : j])
				if err != nil || n > maxParams {
					return sqlerr.New(sqlerr.UndefinedParameter, "there is no parameter %s", sql[i:j]).WithPosition(i + 1)
				}
				if err := fn(i, j, n); err != nil {
					return err
				}
				i = j
				continue
			}
			// A dollar-quoted string: $tag$ ... $tag$.
			k := j
			for k < len(sql) && isIdentPart(sql[k]) && sql[k] != '$' {
				k++
			}
			if k < len(sql) && sql[k] == '$' {
				tag := sql[i : k+1]
				end := strings.Index(sql[k+1:], tag)
				if end < 0 {
					return nil
				}
				i = k + 1 + end + len(tag)
				continue
			}
			i++
		default:
			i++
		}
	}
	return nil
}

// skipQuoted returns the index just past the quoted token starting at i.
// A doubled quote stays inside; backslash escapes only in E” strings.
func skipQuoted(s string, i int, q byte, escapes bool) int {
	j := i + 1
	for j < len(s) {
		switch {
		case escapes && s[j] == '\\':
			j += 2
		case s[j] == q:
			if j+1 < len(s) && s[j+1] == q {
				j += 2
				continue
			}
			return j + 1
		default:
			j++
		}
	}
	return len(s)
}
