package reassembly

import (
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/packet/tcp"
)

// TestLimitsReachTheStream drives each bound counted in
// AssemblerStats.LimitHits and checks both halves of the promise: the hit
// is counted, and the Stream of the connection it cut is told (an Anomaly,
// or Close(CloseEvicted)), so the decoder can note it on the session or
// transfer. In Ignore mode only Close is made: the hits are counted and
// nobody is told.
func TestLimitsReachTheStream(t *testing.T) {
	oneConn := DefaultLimits()
	oneConn.MaxConns = 1
	connBuf := DefaultLimits()
	connBuf.MaxConnBuffer = segmentOverhead + 128
	total := DefaultLimits()
	total.MaxBuffer = 2 * (segmentOverhead + 128)
	noRing := DefaultLimits()
	noRing.MaxBuffer = historySize // ring budget MaxBuffer/2: none fits

	// holes sends n one-byte client segments with a hole before each:
	// n disjoint captured ranges pending in the accounting.
	holes := func(n int) []tcp.Segment {
		var out []tcp.Segment
		for i := 0; i < n; i++ {
			out = append(out, asUp(10+i, tcp.ACK, uint32(2+2*i), 1, "x"))
		}
		return out
	}
	tests := []struct {
		name   string
		limits Limits
		mode   Mode
		pkts   []tcp.Segment
		hit    string // LimitHits key
		hits   int64
		// told is the callback line the stream must see, times times.
		told  string
		times int
	}{
		{
			name:   "max_conns evicts the least recently active",
			limits: oneConn,
			pkts:   []tcp.Segment{asSYN(0, asCli, asCISN), asSYN(1, asCli2, asCISN)},
			hit:    "max_conns", hits: 1,
			told: "close 1 evicted", times: 1,
		},
		{
			name:   "max_conns in Ignore mode still closes",
			limits: oneConn,
			mode:   Ignore,
			pkts:   []tcp.Segment{asSYN(0, asCli, asCISN), asSYN(1, asCli2, asCISN)},
			hit:    "max_conns", hits: 1,
			told: "close 1 evicted", times: 1,
		},
		{
			name:   "max_conn_buffer",
			limits: connBuf,
			pkts:   asCat(asHandshake(), []tcp.Segment{asUp(10, tcp.ACK, 3, 1, "c"), asUp(11, tcp.ACK, 5, 1, "e")}),
			hit:    "max_conn_buffer", hits: 1,
			told: "anomaly 1 c>s conn_buffer_limit", times: 1,
		},
		{
			name:   "max_buffer",
			limits: total,
			pkts: []tcp.Segment{
				asSYN(0, asCli, asCISN),
				asSYN(1, asCli2, asCISN),
				asSeg(2, asCli, asSrv, tcp.ACK, asCISN+2, 0, "b"),
				asSeg(3, asCli2, asSrv, tcp.ACK, asCISN+2, 0, "B"),
				asSeg(4, asCli, asSrv, tcp.ACK, asCISN+4, 0, "d"),
			},
			hit: "max_buffer", hits: 1,
			told: "anomaly 1 c>s total_buffer_limit", times: 1,
		},
		{
			name:   "coverage_spans in Reassemble mode, told once per direction",
			limits: DefaultLimits(),
			pkts:   asCat(asHandshake(), holes(coverageSpans+3)),
			hit:    "coverage_spans", hits: 3,
			told: "anomaly 1 c>s coverage_spans_limit", times: 1,
		},
		{
			name:   "coverage_spans in Count mode",
			limits: DefaultLimits(),
			mode:   Count,
			pkts:   asCat(asHandshake(), holes(coverageSpans+1)),
			hit:    "coverage_spans", hits: 1,
			told: "anomaly 1 c>s coverage_spans_limit", times: 1,
		},
		{
			name:   "coverage_spans in Ignore mode is only counted",
			limits: DefaultLimits(),
			mode:   Ignore,
			pkts:   asCat(asHandshake(), holes(coverageSpans+1)),
			hit:    "coverage_spans", hits: 1,
			told: "anomaly", times: 0,
		},
		{
			name:   "history, once per direction",
			limits: noRing,
			pkts: asCat(asHandshake(), []tcp.Segment{
				asDown(10, tcp.PSH|tcp.ACK, 1, 1, "220 hi\r\n"),
				asUp(11, tcp.PSH|tcp.ACK, 1, 9, "USER a\r\n"),
				asUp(12, tcp.PSH|tcp.ACK, 9, 9, "PASS b\r\n"),
			}),
			hit: "history", hits: 2,
			told: "anomaly 1 ", times: 2, // s>c then c>s, nothing else
		},
		{
			name:   "history is not needed in Count mode",
			limits: noRing,
			mode:   Count,
			pkts:   asCat(asHandshake(), []tcp.Segment{asDown(10, tcp.PSH|tcp.ACK, 1, 1, "220 hi\r\n")}),
			hit:    "history", hits: 0,
			told: "anomaly", times: 0,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newAsRec()
			r.mode = tt.mode
			a := asRun(r, tt.limits, tt.pkts, true)
			if got := a.Stats().LimitHits[tt.hit]; got != tt.hits {
				t.Errorf("LimitHits[%q] = %d, want %d", tt.hit, got, tt.hits)
			}
			n := 0
			for _, line := range r.log {
				if strings.HasPrefix(line, tt.told) {
					n++
				}
			}
			if n != tt.times {
				t.Errorf("%q seen %d times, want %d; callbacks:\n\t%s", tt.told, n, tt.times, strings.Join(r.log, "\n\t"))
			}
		})
	}
}

// TestHistoryLimitPrecedesData: the anomaly comes before the Data whose
// bytes found no ring, so a Stream can note it before it reads them.
func TestHistoryLimitPrecedesData(t *testing.T) {
	l := DefaultLimits()
	l.MaxBuffer = historySize
	r := newAsRec()
	asRun(r, l, asCat(asHandshake(), []tcp.Segment{asDown(10, tcp.PSH|tcp.ACK, 1, 1, "220 hi\r\n")}), true)
	asCheck(t, r.log, []string{asHdr, "handshake 1 rtt=2ms",
		"anomaly 1 s>c history_limit", `data 1 s>c "220 hi\r\n"`,
		"close 1 capture_end c>s=0/0/2 s>c=8/0/2"})
}

// TestAnomalyNames pins the note names the decoder copies into
// reports: renaming one breaks saved JSON consumers.
func TestAnomalyNames(t *testing.T) {
	for an, want := range map[Anomaly]string{
		AnomalyConflict:         "retransmission_conflict",
		AnomalyConnBufferLimit:  "conn_buffer_limit",
		AnomalyTotalBufferLimit: "total_buffer_limit",
		AnomalySnaplenCut:       "snaplen_cut",
		AnomalyCoverageLimit:    "coverage_spans_limit",
		AnomalyHistoryLimit:     "history_limit",
		Anomaly(0):              "unknown",
	} {
		if got := an.String(); got != want {
			t.Errorf("Anomaly(%d) = %q, want %q", an, got, want)
		}
	}
}
