package colexec

import (
	"context"
	"testing"

	"github.com/apiarydb/apiary/exec/vec"
)

// TestAvgNumericIsExact checks avg over numeric where sum * 10^scale no
// longer fits int64: the division must still be exact to the last digit,
// PostgreSQL's (select avg(x) from (select 123456789012.34::numeric(18,2)
// x from generate_series(1,1000) union all select 0.01) t).
func TestAvgNumericIsExact(t *testing.T) {
	in := vec.NewBatch([]vec.Type{vec.Numeric(18, 2)}, 1001)
	for i := 0; i < 1000; i++ {
		in.Cols[0].AppendInt64(12345678901234) // 123456789012.34
	}
	in.Cols[0].AppendInt64(1) // 0.01
	in.Len = 1001
	res, err := AggResultType(AggAvg, vec.Numeric(18, 2), "avg")
	if err != nil {
		t.Fatal(err)
	}
	h, err := NewHashAgg(NewValues(in.Types(), in), nil, []AggSpec{{Func: AggAvg, Arg: 0, ArgType: vec.Numeric(18, 2), Filter: -1, ResultType: res}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	b, err := h.Next(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got := string(vec.AppendText(nil, b.Cols[0], 0, nil)); got != "123333455556.78322677" {
		t.Fatalf("avg = %s, want 123333455556.78322677", got)
	}
}
