package reassembly

// connState is the assembler's private per-connection state.
type connState struct{}
