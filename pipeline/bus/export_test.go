package bus

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
)

// PutRawBytesSegmented stores data under name as PutRawBytes did before it
// wrote single objects: one segment, then a manifest, each with its
// chunks under chunkID of its own name. Tests use it to check that such
// items are still read and replaced.
func PutRawBytesSegmented(ctx context.Context, b *Bus, name string, data []byte) error {
	sum := sha256.Sum256(data)
	if err := b.putObjectBytes(ctx, segmentName(name, 0), data, sum, nil, false); err != nil {
		return err
	}
	m := manifest{Segments: 1, Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:])}
	mdata, err := json.Marshal(m)
	if err != nil {
		return err
	}
	md := map[string]string{metaSegments: "1", metaSize: strconv.FormatInt(m.Size, 10), metaSHA256: m.SHA256}
	return b.putObjectBytes(ctx, name, mdata, sha256.Sum256(mdata), md, false)
}
