package capture

import "time"

// AF_PACKET capture (live_afpacket.go) is Linux's own packet socket, with
// no libpcap and no cgo: it is built into every Linux binary. This file
// holds what callers on every platform name, so a --engine flag compiles
// everywhere; OpenAFPacket fails with ErrLiveUnsupported off Linux.

// FanoutMode is how the kernel spreads packets over the sockets of one
// PACKET_FANOUT group (packet(7)).
type FanoutMode int

const (
	// FanoutNone: the socket joins no group and sees every packet.
	FanoutNone FanoutMode = iota
	// FanoutHash: by the kernel's flow hash (addresses and ports, so both
	// directions of a connection reach one socket; an FTP data
	// connection may reach another).
	FanoutHash
	// FanoutHashDefrag: FanoutHash after reassembling IPv4 fragments, so
	// every fragment of a datagram reaches the socket of its flow.
	FanoutHashDefrag
	// FanoutLoadBalance: round robin.
	FanoutLoadBalance
	// FanoutCPU: by the CPU the packet arrived on.
	FanoutCPU
)

// AFPacketOptions configure an AF_PACKET capture: the options every live
// capture has plus the kernel fanout group.
type AFPacketOptions struct {
	LiveOptions
	// Fanout joins the socket to the PACKET_FANOUT group FanoutID, shared
	// with every socket (in any process) that joins the same id with the
	// same mode on the same network namespace.
	Fanout   FanoutMode
	FanoutID uint16
	// BlockTimeout is how long the kernel keeps a partly filled ring
	// block before handing it over; it bounds how late a packet on a
	// quiet link is seen. 0 means DefaultBlockTimeout.
	BlockTimeout time.Duration
}

// DefaultBlockTimeout keeps events live (libpcap's immediate mode hands
// packets over at once; a TPACKET_V3 ring hands over whole blocks).
const DefaultBlockTimeout = 10 * time.Millisecond

// minRingBlocks is the fewest blocks a ring is cut into: the kernel fills
// one block while the reader drains others, so a ring of one or two
// blocks drops packets while the reader holds a block.
const minRingBlocks = 8

// ringFramesPerBlock is gopacket's afpacket default (DefaultBlockSize /
// DefaultFrameSize), the starting point before blocks are made smaller.
const ringFramesPerBlock = 128

// ringLayout sizes a TPACKET_V3 ring of about bufSize bytes for packets of
// up to snaplen bytes the way gopacket's afpacket example does (a frame is
// snaplen rounded up to whole pages, a block 128 frames), with two
// changes: the frame is rounded on to a power of two, so blocks are too
// and frames stay 16-byte aligned
// (the kernel allocates each block as 2^n pages; other sizes waste the
// rest), and a block holds fewer frames until the ring has minRingBlocks
// blocks. Snaplens above 64 KiB are sized as 64 KiB: no packet on a link
// without receive offloads is longer. In TPACKET_V3 packets are packed
// into blocks whatever the frame size; a packet longer than a block is cut.
func ringLayout(bufSize, snaplen, pageSize int) (frameSize, blockSize, numBlocks int, ok bool) {
	const maxPacket = 65536
	snap := max(min(snaplen, maxPacket), 1)
	if snap < pageSize {
		frameSize = pageSize / (pageSize / snap)
	} else {
		frameSize = (snap/pageSize + 1) * pageSize
	}
	p := 64 // a power of two, so TPACKET_ALIGNMENT (16) holds
	for p < frameSize {
		p *= 2
	}
	frameSize = p
	perBlock := ringFramesPerBlock
	for perBlock > 1 && frameSize*perBlock/2 >= pageSize && bufSize/(frameSize*perBlock) < minRingBlocks {
		perBlock /= 2
	}
	blockSize = frameSize * perBlock
	numBlocks = bufSize / blockSize
	return frameSize, blockSize, numBlocks, numBlocks >= 1
}

// withDefaults fills the zero fields of o with the documented defaults.
func (o LiveOptions) withDefaults() LiveOptions {
	if o.Snaplen <= 0 {
		o.Snaplen = DefaultSnaplen
	}
	if o.BufferSize <= 0 {
		o.BufferSize = DefaultBufferSize
	}
	if o.ReadTimeout <= 0 {
		o.ReadTimeout = DefaultReadTimeout
	}
	return o
}
