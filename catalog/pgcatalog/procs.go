package pgcatalog

import (
	"sort"
	"strconv"
	"strings"
)

// procInfo is one built-in function of pg_proc.
type procInfo struct {
	oid      uint32
	name     string
	kind     byte
	retset   bool
	argTypes []uint32
	argNames []string // proargnames, when set
	argModes string   // proargmodes' letters, when set
	allArgs  []uint32 // proallargtypes, when set
	variadic uint32
	rettype  uint32
	raw      []*string
}

var (
	procData   = mustLoad("pg_proc.tsv")
	procByOID  = map[uint32]*procInfo{}
	procByName = map[string][]*procInfo{}
)

func init() {
	d := procData
	for _, row := range d.rows {
		p := &procInfo{
			oid:      uint32(d.num(row, "oid")),
			name:     d.str(row, "proname"),
			kind:     d.str(row, "prokind")[0],
			retset:   d.str(row, "proretset") == "t",
			rettype:  uint32(d.num(row, "prorettype")),
			variadic: uint32(d.num(row, "provariadic")),
			argTypes: parseOIDList(d.str(row, "proargtypes"), " "),
			raw:      row,
		}
		if s := d.str(row, "proallargtypes"); s != "" {
			p.allArgs = parseOIDList(strings.Trim(s, "{}"), ",")
		}
		if s := d.str(row, "proargmodes"); s != "" {
			p.argModes = strings.ReplaceAll(strings.Trim(s, "{}"), ",", "")
		}
		if s := d.str(row, "proargnames"); s != "" {
			p.argNames = parseTextArray(s)
		}
		procByOID[p.oid] = p
		procByName[p.name] = append(procByName[p.name], p)
	}
}

func parseOIDList(s, sep string) []uint32 {
	var out []uint32
	for _, f := range strings.Split(s, sep) {
		if f == "" {
			continue
		}
		n, _ := strconv.ParseUint(f, 10, 32)
		out = append(out, uint32(n))
	}
	return out
}

// selectProcs returns pg_proc's rows: the built-in functions named in
// names, plus those every listed type, access method and language refers
// to (input and output functions, handlers), so that reg* lookups of them
// answer names. Ordered by OID.
func selectProcs(names []string) []*procInfo {
	want := map[uint32]bool{}
	for _, n := range names {
		for _, p := range procByName[n] {
			if !p.overRanges() {
				want[p.oid] = true
			}
		}
	}
	for _, t := range typeList {
		for _, p := range t.procs {
			want[p] = true
		}
	}
	for _, d := range []*tsv{amData, languageData} {
		for _, col := range []string{"amhandler", "lanvalidator"} {
			if _, ok := d.index[col]; !ok {
				continue
			}
			for _, row := range d.rows {
				want[uint32(d.num(row, col))] = true
			}
		}
	}
	var out []*procInfo
	for oid := range want {
		if p, ok := procByOID[oid]; ok {
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].oid < out[j].oid })
	return out
}

// rangePseudoTypes are the polymorphic types of ranges, multiranges and
// enums, which Apiary has none of.
var rangePseudoTypes = map[uint32]bool{3500: true, 3831: true, 4537: true, 4538: true, 5080: true}

// overRanges reports whether p takes or returns a range, multirange or
// enum: an overload of a function the engine runs that still cannot apply.
func (p *procInfo) overRanges() bool {
	if rangePseudoTypes[p.rettype] {
		return true
	}
	for _, t := range p.argTypes {
		if rangePseudoTypes[t] {
			return true
		}
	}
	return false
}

// inputArgs returns the types and names of the arguments a caller passes
// (in, inout and variadic ones).
func (p *procInfo) inputArgs() (types []uint32, names []string, modes []byte) {
	if p.allArgs == nil {
		return p.argTypes, p.argNames, nil
	}
	for i, t := range p.allArgs {
		m := p.argModes[i]
		if m == 'o' || m == 't' {
			continue
		}
		types = append(types, t)
		modes = append(modes, m)
		if i < len(p.argNames) {
			names = append(names, p.argNames[i])
		} else {
			names = append(names, "")
		}
	}
	return types, names, modes
}

// FunctionArguments is pg_get_function_arguments / _identity_arguments:
// the argument list as CREATE FUNCTION would spell it.
func FunctionArguments(oid uint32) (string, bool) {
	p, ok := procByOID[oid]
	if !ok {
		return "", false
	}
	types, names, modes := p.inputArgs()
	parts := make([]string, len(types))
	for i, t := range types {
		var b strings.Builder
		if i < len(modes) {
			switch modes[i] {
			case 'b':
				b.WriteString("INOUT ")
			case 'v':
				b.WriteString("VARIADIC ")
			}
		} else if p.variadic != 0 && i == len(types)-1 {
			b.WriteString("VARIADIC ")
		}
		if i < len(names) && names[i] != "" {
			b.WriteString(QuoteIdent(names[i]) + " ")
		}
		b.WriteString(FormatType(t, -1, false))
		parts[i] = b.String()
	}
	return strings.Join(parts, ", "), true
}

// FunctionResult is pg_get_function_result: the return type, with SETOF
// for set-returning functions and TABLE(...) for those with OUT columns.
func FunctionResult(oid uint32) (string, bool) {
	p, ok := procByOID[oid]
	if !ok {
		return "", false
	}
	if p.allArgs != nil && strings.ContainsRune(p.argModes, 't') {
		var cols []string
		for i, t := range p.allArgs {
			if p.argModes[i] != 't' {
				continue
			}
			name := ""
			if i < len(p.argNames) {
				name = QuoteIdent(p.argNames[i]) + " "
			}
			cols = append(cols, name+FormatType(t, -1, false))
		}
		return "TABLE(" + strings.Join(cols, ", ") + ")", true
	}
	r := FormatType(p.rettype, -1, false)
	if p.retset {
		r = "SETOF " + r
	}
	return r, true
}

// ProcName returns a built-in function's name.
func ProcName(oid uint32) (string, bool) {
	if p, ok := procByOID[oid]; ok {
		return p.name, true
	}
	return "", false
}

// ProcOIDsByName returns the OIDs of the built-in functions called name.
func ProcOIDsByName(name string) []uint32 {
	var out []uint32
	for _, p := range procByName[name] {
		out = append(out, p.oid)
	}
	return out
}

// parseTextArray reads a one-dimensional text array literal: '{a,"b c"}'.
func parseTextArray(s string) []string {
	s = strings.TrimSpace(s)
	if len(s) < 2 || s[0] != '{' || s[len(s)-1] != '}' {
		return nil
	}
	s = s[1 : len(s)-1]
	var out []string
	for i := 0; i < len(s); {
		var b strings.Builder
		if s[i] == '"' {
			i++
			for i < len(s) && s[i] != '"' {
				if s[i] == '\\' && i+1 < len(s) {
					i++
				}
				b.WriteByte(s[i])
				i++
			}
			i++ // closing quote
		} else {
			for i < len(s) && s[i] != ',' {
				b.WriteByte(s[i])
				i++
			}
		}
		out = append(out, b.String())
		if i < len(s) && s[i] == ',' {
			i++
		}
	}
	return out
}

// ProcArgs returns a built-in function's argument types (proargtypes).
func ProcArgs(oid uint32) ([]uint32, bool) {
	if p, ok := procByOID[oid]; ok {
		return p.argTypes, true
	}
	return nil, false
}
