package tpch

import (
	"fmt"
	"math"
	"strconv"
	"time"
)

// Word lists and fixed rows of the specification (clause 4.2.2.13 and
// 4.2.3).
var (
	colors = []string{
		"almond", "antique", "aquamarine", "azure", "beige", "bisque", "black",
		"blanched", "blue", "blush", "brown", "burlywood", "burnished",
		"chartreuse", "chiffon", "chocolate", "coral", "cornflower", "cornsilk",
		"cream", "cyan", "dark", "deep", "dim", "dodger", "drab", "firebrick",
		"floral", "forest", "frosted", "gainsboro", "ghost", "goldenrod",
		"green", "grey", "honeydew", "hot", "indian", "ivory", "khaki", "lace",
		"lavender", "lawn", "lemon", "light", "lime", "linen", "magenta",
		"maroon", "medium", "metallic", "midnight", "mint", "misty", "moccasin",
		"navajo", "navy", "olive", "orange", "orchid", "pale", "papaya",
		"peach", "peru", "pink", "plum", "powder", "puff", "purple", "red",
		"rose", "rosy", "royal", "saddle", "salmon", "sandy", "seashell",
		"sienna", "sky", "slate", "smoke", "snow", "spring", "steel", "tan",
		"thistle", "tomato", "turquoise", "violet", "wheat", "white", "yellow",
	}
	typeSize      = []string{"STANDARD", "SMALL", "MEDIUM", "LARGE", "ECONOMY", "PROMO"}
	typeFinish    = []string{"ANODIZED", "BURNISHED", "PLATED", "POLISHED", "BRUSHED"}
	typeMaterial  = []string{"TIN", "NICKEL", "BRASS", "STEEL", "COPPER"}
	containerSize = []string{"SM", "LG", "MED", "JUMBO", "WRAP"}
	containerKind = []string{"CASE", "BOX", "BAG", "JAR", "PKG", "PACK", "CAN", "DRUM"}
	segments      = []string{"AUTOMOBILE", "BUILDING", "FURNITURE", "MACHINERY", "HOUSEHOLD"}
	priorities    = []string{"1-URGENT", "2-HIGH", "3-MEDIUM", "4-NOT SPECIFIED", "5-LOW"}
	instructions  = []string{"DELIVER IN PERSON", "COLLECT COD", "NONE", "TAKE BACK RETURN"}
	shipModes     = []string{"REG AIR", "AIR", "RAIL", "SHIP", "TRUCK", "MAIL", "FOB"}
	regions       = []string{"AFRICA", "AMERICA", "ASIA", "EUROPE", "MIDDLE EAST"}
	nations       = []struct {
		name   string
		region int64
	}{
		{"ALGERIA", 0}, {"ARGENTINA", 1}, {"BRAZIL", 1}, {"CANADA", 1},
		{"EGYPT", 4}, {"ETHIOPIA", 0}, {"FRANCE", 3}, {"GERMANY", 3},
		{"INDIA", 2}, {"INDONESIA", 2}, {"IRAN", 4}, {"IRAQ", 4}, {"JAPAN", 2},
		{"JORDAN", 4}, {"KENYA", 0}, {"MOROCCO", 0}, {"MOZAMBIQUE", 0},
		{"PERU", 1}, {"CHINA", 2}, {"ROMANIA", 3}, {"SAUDI ARABIA", 4},
		{"VIETNAM", 2}, {"RUSSIA", 3}, {"UNITED KINGDOM", 3},
		{"UNITED STATES", 1},
	}
)

// vchars are the 64 characters of the specification's v-string (addresses).
const vchars = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ, "

// Dates are days since 1970-01-01. Orders fall in [startDate, endDate-151];
// lineitem dates derive from them, so receipt dates never pass endDate.
var (
	startDate   = dayNumber(1992, 1, 1)
	currentDate = dayNumber(1995, 6, 17)
	endDate     = dayNumber(1998, 12, 31)
	dateText    = func() []string {
		s := make([]string, endDate-startDate+1)
		for i := range s {
			s[i] = time.Unix(int64(startDate+int32(i))*86400, 0).UTC().Format("2006-01-02")
		}
		return s
	}()
)

func dayNumber(y int, m time.Month, d int) int32 {
	return int32(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// Stream seeds, one per generated column (derived columns have none).
var (
	seedRComment = seedOf("region.r_comment")
	seedNComment = seedOf("nation.n_comment")

	seedSAddress  = seedOf("supplier.s_address")
	seedSNation   = seedOf("supplier.s_nationkey")
	seedSPhone    = seedOf("supplier.s_phone")
	seedSAcctbal  = seedOf("supplier.s_acctbal")
	seedSComment  = seedOf("supplier.s_comment")
	seedSSpecial  = seedOf("supplier.s_comment.bbb") // which rows get Customer...Complaints/Recommends
	seedSInserted = seedOf("supplier.s_comment.bbb_text")

	seedPName      = seedOf("part.p_name")
	seedPMfgr      = seedOf("part.p_mfgr")
	seedPBrand     = seedOf("part.p_brand")
	seedPType      = seedOf("part.p_type")
	seedPSize      = seedOf("part.p_size")
	seedPContainer = seedOf("part.p_container")
	seedPComment   = seedOf("part.p_comment")

	seedPSAvail   = seedOf("partsupp.ps_availqty")
	seedPSCost    = seedOf("partsupp.ps_supplycost")
	seedPSComment = seedOf("partsupp.ps_comment")

	seedCAddress = seedOf("customer.c_address")
	seedCNation  = seedOf("customer.c_nationkey")
	seedCPhone   = seedOf("customer.c_phone")
	seedCAcctbal = seedOf("customer.c_acctbal")
	seedCSegment = seedOf("customer.c_mktsegment")
	seedCComment = seedOf("customer.c_comment")

	seedOCust     = seedOf("orders.o_custkey")
	seedODate     = seedOf("orders.o_orderdate")
	seedOPriority = seedOf("orders.o_orderpriority")
	seedOClerk    = seedOf("orders.o_clerk")
	seedOComment  = seedOf("orders.o_comment")
	seedOLines    = seedOf("orders.lines") // number of lineitems of the order

	seedLPart     = seedOf("lineitem.l_partkey")
	seedLSupp     = seedOf("lineitem.l_suppkey")
	seedLQuantity = seedOf("lineitem.l_quantity")
	seedLDiscount = seedOf("lineitem.l_discount")
	seedLTax      = seedOf("lineitem.l_tax")
	seedLShip     = seedOf("lineitem.l_shipdate")
	seedLCommit   = seedOf("lineitem.l_commitdate")
	seedLReceipt  = seedOf("lineitem.l_receiptdate")
	seedLFlag     = seedOf("lineitem.l_returnflag")
	seedLInstruct = seedOf("lineitem.l_shipinstruct")
	seedLMode     = seedOf("lineitem.l_shipmode")
	seedLComment  = seedOf("lineitem.l_comment")
)

// scale holds the table sizes of one scale factor.
type scale struct {
	sf                                  float64
	suppliers, parts, customers, orders int64
	clerks                              int64
}

func newScale(sf float64) (scale, error) {
	if math.IsNaN(sf) || math.IsInf(sf, 0) || sf <= 0 {
		return scale{}, fmt.Errorf("tpch: scale factor %v is not a positive number", sf)
	}
	// Rounding, not truncation: 0.01*10000 is 100.00000000000001 in
	// float64 and other fractions land just below the integer.
	n := func(base float64) int64 { return int64(math.Round(base * sf)) }
	sc := scale{sf: sf, suppliers: n(10000), parts: n(200000), customers: n(150000), orders: n(1500000), clerks: max(1, n(1000))}
	// The partsupp formula spreads a part over 4 distinct suppliers only if
	// there are at least 4 of them.
	if sc.suppliers < 4 {
		return scale{}, fmt.Errorf("tpch: scale factor %v too small: it gives %d suppliers, at least 4 are needed (sf >= 0.0004)", sf, sc.suppliers)
	}
	if maxKey := orderKey(sc.orders - 1); maxKey > math.MaxInt32 {
		return scale{}, fmt.Errorf("tpch: scale factor %v too large: orderkey %d overflows the INTEGER key columns", sf, maxKey)
	}
	return sc, nil
}

// orderKey makes order keys sparse as the specification requires: of every
// 32 consecutive keys only the first 8 are used, so i = 0..7 give 1..8 and
// i = 8 gives 33 (room for the refresh functions' new orders).
func orderKey(i int64) int64 { return i/8*32 + i%8 + 1 }

// partSupplier is the specification's supplier of part p's i-th partsupp
// row (i in 0..3); lineitems pick one of the same four.
func partSupplier(p, i, s int64) int64 {
	return (p+i*(s/4+(p-1)/s))%s + 1
}

// retailCents is P_RETAILPRICE in cents:
// (90000 + ((partkey/10) mod 20001) + 100*(partkey mod 1000)) / 100 dollars.
func retailCents(p int64) int64 {
	return 90000 + (p/10)%20001 + 100*(p%1000)
}

// line is one generated lineitem; orders need them for O_TOTALPRICE and
// O_ORDERSTATUS, so both tables generate the same values from the same
// streams.
type line struct {
	part, supp, qty, ext, disc, tax int64 // ext in cents, disc and tax in percent
	ship, commit, receipt           int32
	flag, status                    byte
}

type order struct {
	index, key, cust int64
	date             int32
	lines            []line
	status           byte
	total            int64 // cents
}

// generator produces rows of one scale factor into a reusable row buffer.
type generator struct {
	sc      scale
	row     row
	ord     order
	linebuf [7]line
	scratch []byte
	// Suppliers whose comment carries "Customer ... Complaints" (Q16
	// excludes them) or "Customer ... Recommends".
	complaints, recommends map[int64]bool
}

func newGenerator(sf float64) (*generator, error) {
	sc, err := newScale(sf)
	if err != nil {
		return nil, err
	}
	g := &generator{sc: sc}
	g.pickSpecialSuppliers()
	return g, nil
}

// pickSpecialSuppliers chooses SF*5 suppliers for each of the two comment
// insertions, as the specification does, but at least one each so that
// Q16's NOT LIKE filter has something to remove at small scale factors.
func (g *generator) pickSpecialSuppliers() {
	n := max(1, int64(math.Round(5*g.sc.sf)))
	if 2*n > g.sc.suppliers {
		n = g.sc.suppliers / 2
	}
	g.complaints = make(map[int64]bool, n)
	g.recommends = make(map[int64]bool, n)
	r := at(seedSSpecial, 0)
	for int64(len(g.complaints)) < n {
		if k := r.intn(1, g.sc.suppliers); !g.complaints[k] {
			g.complaints[k] = true
		}
	}
	for int64(len(g.recommends)) < n {
		if k := r.intn(1, g.sc.suppliers); !g.complaints[k] && !g.recommends[k] {
			g.recommends[k] = true
		}
	}
}

// makeOrder generates order i (0-based) with its lineitems.
func (g *generator) makeOrder(i int64) *order {
	sc := &g.sc
	o := &g.ord
	o.index = i
	o.key = orderKey(i)
	r := at(seedOCust, i)
	// Customers whose key is a multiple of 3 place no orders: draw uniformly
	// among the others, k -> the k-th key not divisible by 3.
	k := r.intn(0, sc.customers-sc.customers/3-1)
	o.cust = k/2*3 + k%2 + 1
	r = at(seedODate, i)
	o.date = int32(r.intn(int64(startDate), int64(endDate-151)))
	r = at(seedOLines, i)
	n := r.intn(1, 7)
	o.lines = g.linebuf[:n]
	var total int64 // in 1/10^6 of a cent: ext * (100-disc) * (100+tax)
	var nF, nO int
	for j := range o.lines {
		l := &o.lines[j]
		row := i*8 + int64(j)
		r = at(seedLPart, row)
		l.part = r.intn(1, sc.parts)
		r = at(seedLSupp, row)
		l.supp = partSupplier(l.part, r.intn(0, 3), sc.suppliers)
		r = at(seedLQuantity, row)
		l.qty = r.intn(1, 50)
		l.ext = l.qty * retailCents(l.part)
		r = at(seedLDiscount, row)
		l.disc = r.intn(0, 10)
		r = at(seedLTax, row)
		l.tax = r.intn(0, 8)
		r = at(seedLShip, row)
		l.ship = o.date + int32(r.intn(1, 121))
		r = at(seedLCommit, row)
		l.commit = o.date + int32(r.intn(30, 90))
		r = at(seedLReceipt, row)
		l.receipt = l.ship + int32(r.intn(1, 30))
		l.flag = 'N'
		if l.receipt <= currentDate {
			r = at(seedLFlag, row)
			l.flag = "RA"[r.intn(0, 1)]
		}
		l.status = 'O'
		nO++
		if l.ship <= currentDate {
			l.status = 'F'
			nF++
			nO--
		}
		total += l.ext * (100 - l.disc) * (100 + l.tax)
	}
	o.total = (total + 5000) / 10000
	switch {
	case nF == len(o.lines):
		o.status = 'F'
	case nO == len(o.lines):
		o.status = 'O'
	default:
		o.status = 'P'
	}
	return o
}

// unitCount is how many generation units a table has: rows, except parts for
// partsupp (4 rows each) and orders for lineitem (1..7 rows each).
func (g *generator) unitCount(table string) int64 {
	switch table {
	case "region":
		return int64(len(regions))
	case "nation":
		return int64(len(nations))
	case "supplier":
		return g.sc.suppliers
	case "part", "partsupp":
		return g.sc.parts
	case "customer":
		return g.sc.customers
	case "orders", "lineitem":
		return g.sc.orders
	}
	return -1
}

// emitFunc returns the function generating one unit of table, calling out
// once per row with g.row filled.
func (g *generator) emitFunc(table string) func(unit int64, out func(*row) error) error {
	switch table {
	case "region":
		return g.region
	case "nation":
		return g.nation
	case "supplier":
		return g.supplier
	case "part":
		return g.part
	case "partsupp":
		return g.partsupp
	case "customer":
		return g.customer
	case "orders":
		return g.orders
	case "lineitem":
		return g.lineitem
	}
	return nil
}

func (g *generator) region(i int64, out func(*row) error) error {
	w := &g.row
	w.reset()
	w.int(i)
	w.str(regions[i])
	r := at(seedRComment, i)
	w.bytes(text(&r, 31, 115))
	return out(w)
}

func (g *generator) nation(i int64, out func(*row) error) error {
	w := &g.row
	w.reset()
	w.int(i)
	w.str(nations[i].name)
	w.int(nations[i].region)
	r := at(seedNComment, i)
	w.bytes(text(&r, 31, 114))
	return out(w)
}

func (g *generator) supplier(i int64, out func(*row) error) error {
	key := i + 1
	w := &g.row
	w.reset()
	w.int(key)
	w.padded("Supplier#", key)
	g.address(seedSAddress, i)
	r := at(seedSNation, i)
	nation := r.intn(0, 24)
	w.int(nation)
	g.phone(seedSPhone, i, nation)
	r = at(seedSAcctbal, i)
	w.money(r.intn(-99999, 999999))
	r = at(seedSComment, i)
	c := text(&r, 25, 100)
	switch {
	case g.complaints[key]:
		c = g.insertBBB(c, "Complaints", i)
	case g.recommends[key]:
		c = g.insertBBB(c, "Recommends", i)
	}
	w.bytes(c)
	return out(w)
}

// insertBBB overwrites part of comment c with "Customer", some pool text,
// then word (clause 4.2.3: the Better Business Bureau comments), keeping
// the comment's length.
func (g *generator) insertBBB(c []byte, word string, i int64) []byte {
	const head = "Customer"
	r := at(seedSInserted, i)
	gap := r.intn(0, int64(len(c)-len(head)-len(word)))
	start := r.intn(0, int64(len(c)-len(head)-len(word))-gap)
	g.scratch = append(g.scratch[:0], c...)
	s := g.scratch[start:]
	copy(s, head)
	copy(s[len(head)+int(gap):], word)
	return g.scratch
}

func (g *generator) part(i int64, out func(*row) error) error {
	key := i + 1
	w := &g.row
	w.reset()
	w.int(key)
	// P_NAME: five distinct colours separated by spaces.
	r := at(seedPName, i)
	var chosen [5]int64
	w.begin()
	for n := 0; n < 5; {
		c := r.intn(0, int64(len(colors))-1)
		dup := false
		for _, p := range chosen[:n] {
			dup = dup || p == c
		}
		if dup {
			continue
		}
		chosen[n] = c
		if n > 0 {
			w.b = append(w.b, ' ')
		}
		w.b = append(w.b, colors[c]...)
		n++
	}
	w.end()
	r = at(seedPMfgr, i)
	m := r.intn(1, 5)
	w.begin()
	w.b = strconv.AppendInt(append(w.b, "Manufacturer#"...), m, 10)
	w.end()
	r = at(seedPBrand, i)
	w.begin()
	w.b = strconv.AppendInt(append(w.b, "Brand#"...), m*10+r.intn(1, 5), 10)
	w.end()
	r = at(seedPType, i)
	w.begin()
	w.b = append(append(w.b, pick(&r, typeSize)...), ' ')
	w.b = append(append(w.b, pick(&r, typeFinish)...), ' ')
	w.b = append(w.b, pick(&r, typeMaterial)...)
	w.end()
	r = at(seedPSize, i)
	w.int(r.intn(1, 50))
	r = at(seedPContainer, i)
	w.begin()
	w.b = append(append(w.b, pick(&r, containerSize)...), ' ')
	w.b = append(w.b, pick(&r, containerKind)...)
	w.end()
	w.money(retailCents(key))
	r = at(seedPComment, i)
	w.bytes(text(&r, 5, 22))
	return out(w)
}

func (g *generator) partsupp(i int64, out func(*row) error) error {
	part := i + 1
	for j := int64(0); j < 4; j++ {
		row := i*4 + j
		w := &g.row
		w.reset()
		w.int(part)
		w.int(partSupplier(part, j, g.sc.suppliers))
		r := at(seedPSAvail, row)
		w.int(r.intn(1, 9999))
		r = at(seedPSCost, row)
		w.money(r.intn(100, 100000))
		r = at(seedPSComment, row)
		w.bytes(text(&r, 49, 198))
		if err := out(w); err != nil {
			return err
		}
	}
	return nil
}

func (g *generator) customer(i int64, out func(*row) error) error {
	key := i + 1
	w := &g.row
	w.reset()
	w.int(key)
	w.padded("Customer#", key)
	g.address(seedCAddress, i)
	r := at(seedCNation, i)
	nation := r.intn(0, 24)
	w.int(nation)
	g.phone(seedCPhone, i, nation)
	r = at(seedCAcctbal, i)
	w.money(r.intn(-99999, 999999))
	r = at(seedCSegment, i)
	w.str(pick(&r, segments))
	r = at(seedCComment, i)
	w.bytes(text(&r, 29, 116))
	return out(w)
}

func (g *generator) orders(i int64, out func(*row) error) error {
	o := g.makeOrder(i)
	w := &g.row
	w.reset()
	w.int(o.key)
	w.int(o.cust)
	w.begin()
	w.b = append(w.b, o.status)
	w.end()
	w.money(o.total)
	w.date(o.date)
	r := at(seedOPriority, i)
	w.str(pick(&r, priorities))
	r = at(seedOClerk, i)
	w.padded("Clerk#", r.intn(1, g.sc.clerks))
	w.int(0) // O_SHIPPRIORITY is always 0
	r = at(seedOComment, i)
	w.bytes(text(&r, 19, 78))
	return out(w)
}

func (g *generator) lineitem(i int64, out func(*row) error) error {
	o := g.makeOrder(i)
	for j := range o.lines {
		l := &o.lines[j]
		row := i*8 + int64(j)
		w := &g.row
		w.reset()
		w.int(o.key)
		w.int(l.part)
		w.int(l.supp)
		w.int(int64(j) + 1)
		w.int(l.qty) // integral DECIMAL written without a fraction, as dbgen does
		w.money(l.ext)
		w.money(l.disc)
		w.money(l.tax)
		w.begin()
		w.b = append(w.b, l.flag)
		w.end()
		w.begin()
		w.b = append(w.b, l.status)
		w.end()
		w.date(l.ship)
		w.date(l.commit)
		w.date(l.receipt)
		r := at(seedLInstruct, row)
		w.str(pick(&r, instructions))
		r = at(seedLMode, row)
		w.str(pick(&r, shipModes))
		r = at(seedLComment, row)
		w.bytes(text(&r, 10, 43))
		if err := out(w); err != nil {
			return err
		}
	}
	return nil
}

// address writes a v-string of length [10, 40] from vchars.
func (g *generator) address(seed uint64, i int64) {
	w := &g.row
	r := at(seed, i)
	n := r.intn(10, 40)
	w.begin()
	for k := int64(0); k < n; k++ {
		w.b = append(w.b, vchars[r.intn(0, int64(len(vchars))-1)])
	}
	w.end()
}

// phone writes the specification's phone number: country code nation+10,
// then three random local groups of 3, 3 and 4 digits.
func (g *generator) phone(seed uint64, i, nation int64) {
	w := &g.row
	r := at(seed, i)
	w.begin()
	w.b = strconv.AppendInt(w.b, nation+10, 10)
	w.b = strconv.AppendInt(append(w.b, '-'), r.intn(100, 999), 10)
	w.b = strconv.AppendInt(append(w.b, '-'), r.intn(100, 999), 10)
	w.b = strconv.AppendInt(append(w.b, '-'), r.intn(1000, 9999), 10)
	w.end()
}
