package archive

import (
	"errors"

	"github.com/bodgit/sevenzip"
)

// sevenZip walks a 7z archive.
func (w *walk) sevenZip(ra ReaderAt) error {
	zr, err := sevenzip.NewReader(ra, w.size)
	if err != nil {
		if sevenEncrypted(err) {
			w.fl.Add("archive_encrypted", "7z 压缩包设有密码，无法读取")
		} else {
			w.fl.Add("archive_corrupt", "无法读取 7z 压缩包：%s", clipErr(err))
		}
		return nil
	}
	if len(zr.File) > w.b.Members {
		w.fl.Add("too_many_members", "压缩包声明了 %d 个文件，超过剩余的 %d 个上限，未解压", len(zr.File), w.b.Members)
		return nil
	}
	var declared int64
	for _, f := range zr.File {
		declared += int64(min(f.UncompressedSize, 1<<40))
	}
	if !w.checkDeclared(declared) {
		return nil
	}
	for _, f := range zr.File {
		if f.FileInfo().IsDir() {
			continue
		}
		if !w.admit() {
			return nil
		}
		m := newMember(f.Name, f.Name)
		m.Size = int64(min(f.UncompressedSize, 1<<62))
		m.Modified = f.Modified
		rc, err := f.Open()
		if err != nil && sevenEncrypted(err) {
			m.Encrypted = true
			if err := w.member(m, nil); err != nil {
				return err
			}
			continue
		}
		if err := w.opened(m, rc, err); err != nil {
			return err
		}
		if w.stopped {
			return nil
		}
	}
	return nil
}

// sevenEncrypted reports whether a sevenzip error hints at encryption.
func sevenEncrypted(err error) bool {
	var pe *sevenzip.ReadError
	if errors.As(err, &pe) {
		return pe.Encrypted
	}
	var ve sevenzip.ReadError
	return errors.As(err, &ve) && ve.Encrypted
}
