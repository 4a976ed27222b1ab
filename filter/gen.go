package filter

import "golang.org/x/net/bpf"

// Code generation: each node is compiled with a label to jump to when it
// holds and one when it does not (the classic short-circuit scheme), and
// every jump goes forward. Labels are resolved once the program is laid
// out; a conditional jump farther than classic BPF's 8-bit offsets is
// rewritten to reach its target through an unconditional jump (32-bit
// offset), so a program of any length stays valid.

// insn is an instruction before layout. Conditional jumps and JA name
// labels; everything else is final.
type insn struct {
	ins    bpf.Instruction // nil for jumps
	ja     bool
	cond   bpf.JumpTest
	k      uint32
	jt, jf int // labels
}

type gen struct {
	code   []insn
	labels []int // label -> index in code of the instruction it precedes; -1 until placed
	// regs is what the registers hold at the instruction being emitted;
	// into[l] is what they hold on every jump to label l so far (jumps
	// go forward, so all of them are known when l is placed).
	regs regs
	into []regs
	seen []bool
}

// regs records which load the accumulator and X hold, so a comparison
// of a value already loaded (the next primitive's EtherType test, the
// other address of "host") does not load it again.
type regs struct {
	a     cmpNode // load and mask of A; a.load.size == 0: unknown
	x     uint32  // offset of the IPv4 header X holds the length of
	xKnow bool
}

func (g *gen) label() int {
	g.labels = append(g.labels, -1)
	g.into = append(g.into, regs{})
	g.seen = append(g.seen, false)
	return len(g.labels) - 1
}

// place puts label l at the next instruction. Only jumps reach it (the
// instruction before is always a jump), so the registers hold what every
// jump to it agreed on.
func (g *gen) place(l int) {
	g.labels[l] = len(g.code)
	g.regs = g.into[l]
}

// jumpTo records the registers on a jump to l.
func (g *gen) jumpTo(l int) {
	switch {
	case !g.seen[l]:
		g.seen[l], g.into[l] = true, g.regs
	case g.into[l] != g.regs:
		m := regs{}
		if g.into[l].xKnow && g.regs.xKnow && g.into[l].x == g.regs.x {
			m.x, m.xKnow = g.regs.x, true
		}
		if g.into[l].a == g.regs.a {
			m.a = g.regs.a
		}
		g.into[l] = m
	}
}

func (g *gen) emit(i bpf.Instruction) { g.code = append(g.code, insn{ins: i}) }

// node compiles n: control reaches t when n holds, f when it does not.
func (g *gen) node(n node, t, f int) {
	switch n := n.(type) {
	case constNode:
		to := f
		if n.v {
			to = t
		}
		g.jumpTo(to)
		g.code = append(g.code, insn{ja: true, jt: to})
	case notNode:
		g.node(n.x, f, t)
	case andNode:
		m := g.label()
		g.node(n.l, m, f)
		g.place(m)
		g.node(n.r, t, f)
	case orNode:
		m := g.label()
		g.node(n.l, t, m)
		g.place(m)
		g.node(n.r, t, f)
	case cmpNode:
		want := cmpNode{load: n.load, masked: n.masked, mask: n.mask}
		if g.regs.a != want {
			g.load(n.load)
			if n.masked {
				g.emit(bpf.ALUOpConstant{Op: bpf.ALUOpAnd, Val: n.mask})
			}
			g.regs.a = want
		}
		g.jumpTo(t)
		g.jumpTo(f)
		g.code = append(g.code, insn{cond: n.cond, k: n.k, jt: t, jf: f})
	}
}

func (g *gen) load(l load) {
	switch {
	case l.ext != 0:
		g.emit(bpf.LoadExtension{Num: l.ext})
	case l.indirect:
		if !g.regs.xKnow || g.regs.x != l.ihl {
			g.emit(bpf.LoadMemShift{Off: l.ihl})
			g.regs.x, g.regs.xKnow = l.ihl, true
		}
		g.emit(bpf.LoadIndirect{Off: l.off, Size: l.size})
	default:
		g.emit(bpf.LoadAbsolute{Off: l.off, Size: l.size})
	}
}

// generate lays out the program for root: accept returns snaplen bytes,
// reject returns 0.
func generate(root node, snaplen uint32) []bpf.Instruction {
	if c, ok := root.(constNode); ok {
		if c.v {
			return []bpf.Instruction{bpf.RetConstant{Val: snaplen}}
		}
		return []bpf.Instruction{bpf.RetConstant{Val: 0}}
	}
	g := &gen{}
	accept, reject := g.label(), g.label()
	g.node(root, accept, reject)
	g.place(accept)
	g.emit(bpf.RetConstant{Val: snaplen})
	g.place(reject)
	g.emit(bpf.RetConstant{Val: 0})
	g.dropNextJumps()
	g.widenFarJumps()
	return g.assemble()
}

// at is the index a label points to.
func (g *gen) at(l int) int { return g.labels[l] }

// remove deletes instruction i, moving labels that pointed past it.
func (g *gen) remove(i int) {
	g.code = append(g.code[:i], g.code[i+1:]...)
	for l, p := range g.labels {
		if p > i {
			g.labels[l] = p - 1
		}
	}
}

// insert puts in before index i; labels at i or later move down, except
// the ones in keep, which then name the inserted instruction.
func (g *gen) insert(i int, in insn, keep ...int) {
	g.code = append(g.code[:i], append([]insn{in}, g.code[i:]...)...)
	for l, p := range g.labels {
		if p >= i {
			g.labels[l] = p + 1
		}
	}
	for _, l := range keep {
		g.labels[l] = i
	}
}

// dropNextJumps removes unconditional jumps to the next instruction,
// which constant operands leave behind.
func (g *gen) dropNextJumps() {
	for i := 0; i < len(g.code); {
		if c := g.code[i]; c.ja && g.at(c.jt) == i+1 {
			g.remove(i)
			continue
		}
		i++
	}
}

// widenFarJumps rewrites every conditional jump whose target is more
// than 255 instructions ahead to jump to a JA right after it. Inserting
// moves other targets farther, so it repeats until nothing changes.
func (g *gen) widenFarJumps() {
	for changed := true; changed; {
		changed = false
		for i := 0; i < len(g.code); i++ {
			c := g.code[i]
			if c.ins != nil || c.ja {
				continue
			}
			if g.at(c.jt)-(i+1) > 255 {
				l := g.label()
				g.insert(i+1, insn{ja: true, jt: c.jt}, l)
				g.code[i].jt = l
				changed = true
			}
			if g.at(c.jf)-(i+1) > 255 {
				l := g.label()
				at := i + 1
				if g.at(g.code[i].jt) == i+1 && g.code[i].jt != c.jt {
					at = i + 2 // after the JA just inserted for jt
				}
				g.insert(at, insn{ja: true, jt: c.jf}, l)
				g.code[i].jf = l
				changed = true
			}
		}
	}
}

func (g *gen) assemble() []bpf.Instruction {
	out := make([]bpf.Instruction, len(g.code))
	for i, c := range g.code {
		switch {
		case c.ins != nil:
			out[i] = c.ins
		case c.ja:
			out[i] = bpf.Jump{Skip: uint32(g.at(c.jt) - (i + 1))}
		default:
			out[i] = bpf.JumpIf{Cond: c.cond, Val: c.k,
				SkipTrue: uint8(g.at(c.jt) - (i + 1)), SkipFalse: uint8(g.at(c.jf) - (i + 1))}
		}
	}
	return out
}
