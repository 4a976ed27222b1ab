package decoder

import (
	"slices"
	"testing"
)

// TestCommandTableConsistent checks every row of the command table
// against what its flags promise, so that a new row cannot be half
// filled in.
func TestCommandTableConsistent(t *testing.T) {
	inRange := func(codes []int, lo int) bool {
		for _, c := range codes {
			if c < lo || c >= lo+100 {
				return false
			}
		}
		return true
	}
	for name, v := range knownVerbs {
		r := v.Replies
		if !inRange(r.Preliminary, 100) || !inRange(r.Completion, 200) || !inRange(r.Intermediate, 300) {
			t.Errorf("%s: reply codes of the wrong kind: %+v", name, r)
		}
		for _, c := range r.Negative {
			if c < 400 || c >= 600 {
				t.Errorf("%s: negative reply %d is not 4yz or 5yz", name, c)
			}
		}
		if r.constrained() && len(r.Negative) == 0 {
			t.Errorf("%s: positive replies listed but no negative ones", name)
		}
		if v.Is(FlagTransfer) {
			if len(r.Preliminary) == 0 || len(r.Completion) == 0 || len(r.Negative) == 0 || v.onCommand == nil {
				t.Errorf("%s: a transfer needs 1yz, 2yz, 4yz/5yz replies and a command handler", name)
			}
			if !slices.Contains(r.Negative, 425) {
				t.Errorf("%s: a transfer may get 425 (no data connection)", name)
			}
		} else if len(r.Preliminary) > 0 && name != "REIN" {
			t.Errorf("%s: only transfers and REIN (RFC 959 5.4) get 1yz replies", name)
		}
		if v.Is(FlagUpload) && !v.Is(FlagTransfer|FlagModifies) {
			t.Errorf("%s: an upload is a transfer that modifies", name)
		}
		if v.Is(FlagPassive) != (v.AddressReply != 0) {
			t.Errorf("%s: a passive negotiation, and only one, has an address reply", name)
		}
		if v.AddressReply != 0 && !slices.Contains(r.Completion, v.AddressReply) {
			t.Errorf("%s: address reply %d not among its completions", name, v.AddressReply)
		}
		if (v.Is(FlagActive) || v.Is(FlagPassive) || v.Is(FlagLogin)) && (v.onCommand == nil || v.onReply == nil) {
			t.Errorf("%s: negotiations and logins need both handlers", name)
		}
		if v.Is(FlagChangesDir) && (v.onReply == nil || slices.Contains(r.Completion, 200) && name != "CDUP" && name != "XCUP") {
			t.Errorf("%s: a directory change needs a reply handler (and CWD never takes 200)", name)
		}
	}
}
