package archive

import (
	"errors"
	"io"

	"github.com/nwaples/rardecode/v2"
)

// rar walks a RAR (4 or 5) archive sequentially; solid archives need it.
func (w *walk) rar(ra ReaderAt) error {
	if _, err := ra.Seek(0, io.SeekStart); err != nil {
		w.fl.Add("archive_corrupt", "无法读取 rar 压缩包：%s", clipErr(err))
		return nil
	}
	rr, err := rardecode.NewReader(ra, rardecode.MaxDictionarySize(w.b.MaxDictionary))
	if err != nil {
		w.rarError(err)
		return nil
	}
	for {
		h, err := rr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			w.rarError(err)
			return nil
		}
		if h.IsDir || h.LinkType != rardecode.LinkTypeNone {
			continue
		}
		if !w.admit() {
			return nil
		}
		// QUIRK: RAR 4 names without the Unicode flag are in the writer's
		// code page (GBK from WinRAR on Chinese Windows); rardecode returns
		// their bytes as they are. (It has already turned '\\' into '/',
		// which would break the rare GBK character whose second byte is
		// 0x5C.) RAR 5 names are always UTF-8.
		m := newMember(legacyName(h.Name), h.Name)
		if !h.UnKnownSize {
			m.Size = h.UnPackedSize
		}
		m.Modified = h.ModificationTime
		if !h.UnKnownSize && !w.checkMember(h.UnPackedSize) {
			return nil
		}
		var r io.Reader = rr
		if h.Encrypted {
			m.Encrypted = true
			r = nil
		}
		if err := w.member(m, r); err != nil {
			return err
		}
		if w.stopped {
			return nil
		}
	}
}

func (w *walk) rarError(err error) {
	switch {
	case errors.Is(err, rardecode.ErrArchiveEncrypted), errors.Is(err, rardecode.ErrArchivedFileEncrypted):
		w.fl.Add("archive_encrypted", "rar 压缩包设有密码，无法读取")
	case errors.Is(err, rardecode.ErrMultiVolume):
		w.fl.Add("archive_multivolume", "这是分卷 rar 压缩包的一部分，缺少其余分卷")
	case errors.Is(err, rardecode.ErrDictionaryTooLarge):
		w.fl.Add("archive_too_large", "rar 压缩包需要的解压内存超过上限")
	default:
		w.fl.Add("archive_corrupt", "无法读取 rar 压缩包：%s", clipErr(err))
	}
}
