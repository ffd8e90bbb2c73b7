package xmlscan

// minBuf is the smallest initial buffer SizeFor chooses (unless limit is
// smaller).
const minBuf = 4 << 10

// SizeFor is the initial buffer size for a part of about hint bytes (its
// zip entry's word, only a hint: the buffer grows for a long tag): limit
// for a large part, else the part's size plus one byte, so that the end is
// seen in the same read, and at least 4 KiB (or limit if smaller).
func SizeFor(hint uint64, limit int) int {
	if hint >= uint64(limit) {
		return limit
	}
	return max(int(hint)+1, min(minBuf, limit))
}
