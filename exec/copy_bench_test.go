package exec

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/apiarydb/apiary/objstore"
)

// BenchmarkCopyFromCSV measures the engine side of COPY FROM STDIN — CSV
// parsing, type conversion and cell encoding, in memory (no wire, no disk)
// — on 200K lineitem-like rows (MB/s of CSV):
//
//	go test -run '^$' -bench CopyFromCSV -benchtime 5x ./exec
func BenchmarkCopyFromCSV(b *testing.B) {
	var in strings.Builder
	modes := []string{"AIR", "MAIL", "SHIP", "TRUCK", "RAIL", "FOB", "REG AIR"}
	for i := range 200_000 {
		fmt.Fprintf(&in, "%d,%d,%d,%d,%d.00,%d.%02d,0.0%d,0.0%d,%c,%c,1995-%02d-%02d,1995-%02d-%02d,1996-01-%02d,DELIVER IN PERSON,%s,carefully final deposits %d\n",
			i/4+1, i*7%200000, i%10000, i%4+1, i%50+1, i*13%100000, i%100, i%10, i%9, "ANR"[i%3], "OF"[i%2],
			i%12+1, i%28+1, (i+3)%12+1, (i+5)%28+1, i%28+1, modes[i%len(modes)], i%997)
	}
	data := in.String()
	s := testSession(&testing.T{}, objstore.NewMem())
	ctx := context.Background()
	ddl := `CREATE TABLE lineitem (l_orderkey bigint NOT NULL, l_partkey bigint NOT NULL, l_suppkey bigint NOT NULL,
		l_linenumber integer NOT NULL, l_quantity numeric(15,2) NOT NULL, l_extendedprice numeric(15,2) NOT NULL,
		l_discount numeric(15,2) NOT NULL, l_tax numeric(15,2) NOT NULL, l_returnflag char(1) NOT NULL,
		l_linestatus char(1) NOT NULL, l_shipdate date NOT NULL, l_commitdate date NOT NULL, l_receiptdate date NOT NULL,
		l_shipinstruct char(25) NOT NULL, l_shipmode char(10) NOT NULL, l_comment varchar(44) NOT NULL)`
	if err := s.ExecSimple(ctx, ddl, func(Result) error { return nil }); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		err := s.ExecSimple(ctx, "COPY lineitem FROM STDIN (FORMAT csv)", func(r Result) error {
			_, err := r.CopyIn.Run(ctx, strings.NewReader(data), time.UTC)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
