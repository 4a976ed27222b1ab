//go:build !linux

package capture

import "fmt"

// AFPacketSupported is true where OpenAFPacket works (Linux).
const AFPacketSupported = false

// OpenAFPacket fails off Linux: AF_PACKET is Linux's.
func OpenAFPacket(AFPacketOptions) (LiveSource, error) {
	return nil, fmt.Errorf("%w: AF_PACKET capture is Linux only; use libpcap", ErrLiveUnsupported)
}
