package filter

import "golang.org/x/net/bpf"

// node is a boolean expression over one packet. The parser builds it
// with every offset resolved (link header, VLAN tags seen so far), so the
// code generator needs no state beyond labels.
type node interface{ isNode() }

type (
	andNode   struct{ l, r node }
	orNode    struct{ l, r node }
	notNode   struct{ x node }
	constNode struct{ v bool }
	// cmpNode loads a value, masks it when masked is set, and tests it.
	cmpNode struct {
		load   load
		masked bool
		mask   uint32
		cond   bpf.JumpTest // JumpEqual, JumpGreaterThan, JumpGreaterOrEqual or JumpBitsSet
		k      uint32
	}
)

func (andNode) isNode()   {}
func (orNode) isNode()    {}
func (notNode) isNode()   {}
func (constNode) isNode() {}
func (cmpNode) isNode()   {}

// load is where a value comes from: the packet at a fixed offset, the
// packet at an offset past the IPv4 header (X = 4*(pkt[ihl]&0xf)), or a
// Linux ancillary field.
type load struct {
	size int    // 1, 2 or 4
	off  uint32 // packet offset, or offset past the IPv4 header when indirect
	// indirect loads X from the IPv4 header length byte at ihl first.
	indirect bool
	ihl      uint32
	ext      bpf.Extension // non-zero: a kernel ancillary load (SKF_AD_*)
}

var (
	trueNode  = constNode{true}
	falseNode = constNode{false}
)

// and, or and not fold constants, so a primitive that cannot match on a
// link type (ip6 on raw IPv4) disappears instead of costing code.
func and(l, r node) node {
	if c, ok := l.(constNode); ok {
		if !c.v {
			return falseNode
		}
		return r
	}
	if c, ok := r.(constNode); ok {
		if !c.v {
			return falseNode
		}
		return l
	}
	return andNode{l, r}
}

func or(l, r node) node {
	if c, ok := l.(constNode); ok {
		if c.v {
			return trueNode
		}
		return r
	}
	if c, ok := r.(constNode); ok {
		if c.v {
			return trueNode
		}
		return l
	}
	return orNode{l, r}
}

func not(x node) node {
	switch n := x.(type) {
	case constNode:
		return constNode{!n.v}
	case notNode:
		return n.x
	}
	return notNode{x}
}

// ands is the conjunction of ns (true when empty).
func ands(ns ...node) node {
	var out node = trueNode
	for _, n := range ns {
		out = and(out, n)
	}
	return out
}

func eq(l load, k uint32) node { return cmpNode{load: l, cond: bpf.JumpEqual, k: k} }

func abs(size int, off uint32) load { return load{size: size, off: off} }
