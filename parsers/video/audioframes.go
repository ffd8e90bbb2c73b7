package video

// audioFrame returns the duration, in 90 kHz ticks, of the first complete
// audio frame in b (the payload of a stream's last PES packet and what
// followed it): the frame header that chains to a second one (or ends
// exactly at the end of b). It knows ADTS AAC, MPEG audio layers I to III
// and AC-3; 0 when none fits.
func audioFrame(b []byte) int64 {
	for _, frame := range []func([]byte) (size, samples, rate int){adtsFrame, mpegAudioFrame, ac3Frame} {
		for i := 0; i < min(len(b), 4096); i++ {
			size, _, rate := frame(b[i:])
			if size == 0 {
				continue
			}
			if next := i + size; next != len(b) {
				if n, _, r := frame(b[min(next, len(b)):]); n == 0 || r != rate {
					continue
				}
			}
			_, samples, _ := frame(b[i:])
			return int64(samples) * ptsHz / int64(rate)
		}
	}
	return 0
}

var adtsRates = [...]int{96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350}

// adtsFrame parses an ADTS (AAC) frame header.
func adtsFrame(b []byte) (size, samples, rate int) {
	if len(b) < 7 || b[0] != 0xFF || b[1]&0xF6 != 0xF0 {
		return 0, 0, 0
	}
	sr := int(b[2] >> 2 & 0x0F)
	size = int(b[3]&3)<<11 | int(b[4])<<3 | int(b[5])>>5
	if sr >= len(adtsRates) || size < 7 {
		return 0, 0, 0
	}
	return size, 1024 * (int(b[6]&3) + 1), adtsRates[sr]
}

// Bit rates in kbit/s by [version is MPEG-1][layer-1][index-1].
var mpaRates = [2][3][14]int{
	{ // MPEG-2 and 2.5: layer I, II, III
		{32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256},
		{8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160},
		{8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160},
	},
	{ // MPEG-1
		{32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448},
		{32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384},
		{32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320},
	},
}

// mpegAudioFrame parses an MPEG-1/2/2.5 audio frame header.
func mpegAudioFrame(b []byte) (size, samples, rate int) {
	if len(b) < 4 || b[0] != 0xFF || b[1]&0xE0 != 0xE0 {
		return 0, 0, 0
	}
	version := b[1] >> 3 & 3 // 0: 2.5, 2: 2, 3: 1
	layer := 4 - int(b[1]>>1&3)
	bi, si, pad := int(b[2]>>4), int(b[2]>>2&3), int(b[2]>>1&1)
	if version == 1 || layer == 4 || bi == 0 || bi == 15 || si == 3 {
		return 0, 0, 0
	}
	mpeg1 := 0
	if version == 3 {
		mpeg1 = 1
	}
	rate = [3]int{44100, 48000, 32000}[si]
	switch version {
	case 2:
		rate /= 2
	case 0:
		rate /= 4
	}
	kbps := mpaRates[mpeg1][layer-1][bi-1]
	switch {
	case layer == 1:
		return (12*kbps*1000/rate + pad) * 4, 384, rate
	case layer == 3 && mpeg1 == 0:
		return 72*kbps*1000/rate + pad, 576, rate
	default:
		return 144*kbps*1000/rate + pad, 1152, rate
	}
}

var ac3Rates = [...]int{32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384, 448, 512, 576, 640}

// ac3Frame parses an AC-3 sync frame header (not E-AC-3).
func ac3Frame(b []byte) (size, samples, rate int) {
	if len(b) < 6 || b[0] != 0x0B || b[1] != 0x77 {
		return 0, 0, 0
	}
	fscod, code, bsid := int(b[4]>>6), int(b[4]&0x3F), int(b[5]>>3)
	if fscod == 3 || code >= 2*len(ac3Rates) || bsid > 10 {
		return 0, 0, 0
	}
	kbps := ac3Rates[code/2]
	switch fscod {
	case 0:
		return 4 * kbps, 1536, 48000
	case 1:
		return 2 * (kbps*1536*1000/44100/16 + code&1), 1536, 44100
	default:
		return 6 * kbps, 1536, 32000
	}
}
