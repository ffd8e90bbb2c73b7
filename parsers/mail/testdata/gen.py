"""Writes the .eml fixtures of parsers/mail with Python's email package.

Run by gen.sh (which first makes media/). Each message is built the way the
named client or situation produces it. Where no standards-following library
can produce the bytes (raw 8-bit GBK header parameters, encoded-words split
inside a character, broken structure), the message is serialised by the email
package and then byte-patched; each such place says so.
"""
import base64
import hashlib
import os
import urllib.parse
from email import encoders, policy
from email.generator import BytesGenerator
from email.header import Header
from email.mime.application import MIMEApplication
from email.mime.base import MIMEBase
from email.mime.image import MIMEImage
from email.mime.message import MIMEMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.message import Message
import io
import random

# Deterministic MIME boundaries, so regenerating changes only what changed.
random.seed(20240603)

MEDIA = "media"


def media(name):
    with open(os.path.join(MEDIA, name), "rb") as f:
        return f.read()


def save(name, msg, linesep="\n"):
    buf = io.BytesIO()
    BytesGenerator(buf, mangle_from_=False, policy=policy.compat32.clone(linesep=linesep)).flatten(msg)
    write(name, buf.getvalue())


def write(name, data):
    with open(name, "wb") as f:
        f.write(data)


def to_bytes(msg, linesep="\n"):
    buf = io.BytesIO()
    BytesGenerator(buf, mangle_from_=False, policy=policy.compat32.clone(linesep=linesep)).flatten(msg)
    return buf.getvalue()


def common(m, subject, sender="高平市科技局 <gpkjj@163.com>", charset="utf-8"):
    m["From"] = sender if sender.isascii() else "%s <%s>" % (Header(sender.split(" <")[0], charset).encode(), sender.split("<")[1].rstrip(">"))
    m["To"] = "jcskjhzk@163.com"
    m["Date"] = "Mon, 03 Jun 2024 10:15:00 +0800"
    m["Message-ID"] = "<%s@fixture.shoubao>" % subject_id(subject)
    if isinstance(subject, Header):
        m["Subject"] = subject
    else:
        m["Subject"] = Header(subject, charset)


def subject_id(s):
    return hashlib.sha1(str(s).encode()).hexdigest()[:12]


def attach(m, data, maintype, subtype, filename=None, charset=None, disp="attachment"):
    p = MIMEBase(maintype, subtype)
    p.set_payload(data)
    encoders.encode_base64(p)
    if filename is not None:
        if charset:
            p.add_header("Content-Disposition", disp, filename=(charset, "", filename))
        else:
            p.add_header("Content-Disposition", disp, filename=filename)
    m.attach(p)
    return p


# 1. GBK subject split into several encoded-words (Python folds at character
#    boundaries), GB2312 sender name (Python labels it "eucgb2312_cn"), an
#    Outlook-style attachment name as an RFC 2047 word inside quotes.
m = MIMEMultipart()
h = Header("高平市发展改革和科技局关于2024年科技活动周开展情况的总结报告及统计表报送", "gbk")
m["From"] = "%s <gpkjj@163.com>" % Header("高平市科技局", "gb2312").encode()
m["To"] = "%s <jcskjhzk@163.com>, %s <kx@126.com>" % (Header("晋城市科技局", "utf-8").encode(), Header("科协", "gbk").encode())
m["Cc"] = "office@gaoping.gov.cn"
m["Date"] = "Mon, 03 Jun 2024 10:15:00 +0800"
m["Message-ID"] = "<split-gbk@fixture.shoubao>"
m["Subject"] = h.encode(maxlinelen=60)
m.attach(MIMEText("各位领导：\n附件是我单位的总结报告和统计表，请查收。\n", "plain", "gbk"))
p = attach(m, media("report.docx"), "application", "vnd.openxmlformats-officedocument.wordprocessingml.document")
p.add_header("Content-Disposition", "attachment", filename=Header("高平市科技活动周总结.docx", "gbk").encode())
save("subject_gbk_split.eml", m, "\r\n")

# 2. An encoded-word sequence split inside a two-byte GBK character, as some
#    old clients do: built by hand from the GBK bytes (byte-patched).
raw = "科技活动周总结报告".encode("gbk")
w1, w2 = raw[:5], raw[5:]  # cuts the third character in half
subj = "=?GBK?B?%s?= =?GBK?B?%s?=" % (base64.b64encode(w1).decode(), base64.b64encode(w2).decode())
m = MIMEText("见附件。", "plain", "utf-8")
m["From"] = "unit@qq.com"
m["To"] = "jcskjhzk@163.com"
m["Date"] = "Tue, 04 Jun 2024 09:00:00 +0800"
m["Message-ID"] = "<split-char@fixture.shoubao>"
m["Subject"] = "PLACEHOLDER_SUBJECT"
write("subject_split_char.eml", to_bytes(m).replace(b"PLACEHOLDER_SUBJECT", subj.encode()))

# 3. RFC 2231 filename in GBK, single and with continuations, as Foxmail
#    writes them; go-message v0.18.2 returns "" for both.
m = MIMEMultipart()
common(m, "陵川县科技局报送材料", "unit@126.com")
m.attach(MIMEText("请查收。", "plain", "utf-8"))
attach(m, media("stats.xlsx"), "application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet",
       "2024年晋城市科技活动周开展情况统计表（陵川县）.xlsx", charset="gbk")
p = MIMEBase("image", "jpeg")
p.set_payload(media("photo.jpg"))
encoders.encode_base64(p)
name = "陵川县科技活动周现场照片（一）第一组.jpg".encode("gbk")
q = urllib.parse.quote(name, safe="")
segs = [q[i:i + 30] for i in range(0, len(q), 30)]
# Keep %XX escapes whole in each segment.
fixed, carry = [], ""
for s in segs:
    s = carry + s
    cut = len(s)
    if "%" in s[-2:]:
        cut = s.rindex("%")
    fixed.append(s[:cut])
    carry = s[cut:]
if carry:
    fixed.append(carry)
params = ";\n ".join(("filename*%d*=%s%s" % (i, "gbk''" if i == 0 else "", s)) for i, s in enumerate(fixed))
p["Content-Disposition"] = "attachment;\n " + params
m.attach(p)
save("rfc2231_gbk.eml", m)

# 4. Raw 8-bit GBK filename, quoted (Content-Type name= too), as old
#    Outlook Express / Foxmail send it (byte-patched after generation).
m = MIMEMultipart()
common(m, "泽州县科技局材料", "zz@sina.com")
m.attach(MIMEText("附件为统计表。", "plain", "utf-8"))
p = MIMEBase("application", "vnd.ms-excel", name="PLACEHOLDER_NAME")
p.set_payload(media("stats.xlsx"))
encoders.encode_base64(p)
p.add_header("Content-Disposition", "attachment", filename="PLACEHOLDER_NAME")
m.attach(p)
write("raw8bit_quoted.eml", to_bytes(m).replace(b"PLACEHOLDER_NAME", "泽州县开展情况统计表.xlsx".encode("gbk")))

# 5. Raw 8-bit GBK filename, unquoted, and no name= (byte-patched).
m = MIMEMultipart()
common(m, "阳城县活动照片", "yc@163.com")
m.attach(MIMEText("照片见附件。", "plain", "utf-8"))
p = MIMEBase("image", "jpeg")
p.set_payload(media("photo.jpg"))
encoders.encode_base64(p)
p["Content-Disposition"] = "attachment; filename=PLACEHOLDER_NAME"
m.attach(p)
write("raw8bit_unquoted.eml", to_bytes(m).replace(b"PLACEHOLDER_NAME", "阳城县活动照片.jpg".encode("gbk")))

# 6. Raw 8-bit GBK subject and sender name (byte-patched).
m = MIMEText("报告见附件", "plain", "gbk")
m["From"] = "PLACEHOLDER_FROM <hz@163.com>"
m["To"] = "jcskjhzk@163.com"
m["Date"] = "Wed, 05 Jun 2024 16:40:00 +0800"
m["Message-ID"] = "<raw-subject@fixture.shoubao>"
m["Subject"] = "PLACEHOLDER_SUBJECT"
b = to_bytes(m).replace(b"PLACEHOLDER_FROM", "沁水县科协".encode("gbk")).replace(b"PLACEHOLDER_SUBJECT", "沁水县科技活动周总结".encode("gbk"))
write("raw8bit_subject.eml", b)

# 7. Bodies in GB18030 (base64) and Big5 (quoted-printable).
m = MIMEMultipart("alternative")
common(m, "GB18030 正文", "a@163.com")
t = MIMEText("我单位已完成活动。𠀀扩展字符。", "plain", "gb18030")
m.attach(t)
save("body_gb18030_base64.eml", m)

m = Message()
common(m, "Big5 正文", "tw@example.com.tw")
m["MIME-Version"] = "1.0"
m["Content-Type"] = 'text/plain; charset="big5"'
m["Content-Transfer-Encoding"] = "quoted-printable"
import quopri
m.set_payload(quopri.encodestring("科技活動週總結報告，請查收。".encode("big5")).decode("ascii"))
save("body_big5_qp.eml", m)

# 8. A forwarded submission: message/rfc822 with the original sender, date
#    and attachments.
orig = MIMEMultipart()
orig["From"] = "%s <unit@126.com>" % Header("沁水县科技局", "utf-8").encode()
orig["To"] = "boss@126.com"
orig["Date"] = "Fri, 31 May 2024 17:05:00 +0800"
orig["Message-ID"] = "<orig@fixture.shoubao>"
orig["Subject"] = Header("沁水县科技活动周材料", "utf-8")
orig.attach(MIMEText("材料见附件。", "plain", "utf-8"))
attach(orig, media("report.doc"), "application", "msword", "沁水县活动总结.doc", charset="utf-8")
attach(orig, media("photo.jpg"), "image", "jpeg", "现场.jpg", charset="utf-8")
m = MIMEMultipart()
common(m, "转发：沁水县科技活动周材料", "forwarder@126.com")
m.attach(MIMEText("转发给您。", "plain", "utf-8"))
fw = MIMEMessage(orig)
fw.add_header("Content-Disposition", "attachment", filename="沁水县科技活动周材料.eml")
m.attach(fw)
save("forwarded.eml", m)

# 9. An RFC 3834 auto-reply.
m = MIMEText("您好，我已收到您的邮件，将尽快处理。", "plain", "utf-8")
common(m, "自动回复: 关于报送科技活动周材料的通知", "leader@163.com")
m["Auto-Submitted"] = "auto-replied"
m["X-Autoreply"] = "yes"
save("autoreply.eml", m)

# 10. An Outlook out-of-office reply, recognised by its subject only.
m = MIMEText("I am out of the office until 10 June.", "plain", "utf-8")
common(m, "Automatic reply: 科技活动周材料", "someone@example.com")
save("autoreply_subject.eml", m)

# 11. A delivery status notification (multipart/report) from MAILER-DAEMON.
m = MIMEMultipart("report", report_type="delivery-status")
m["From"] = "Mail Delivery Subsystem <MAILER-DAEMON@163.com>"
m["To"] = "jcskjhzk@163.com"
m["Date"] = "Mon, 03 Jun 2024 11:00:00 +0800"
m["Message-ID"] = "<dsn@fixture.shoubao>"
m["Subject"] = Header("系统退信", "utf-8")
m.attach(MIMEText("您发送的邮件无法投递。", "plain", "utf-8"))
ds = Message()
ds["Content-Type"] = "message/delivery-status"
per_msg = Message()
per_msg["Reporting-MTA"] = "dns; mx.163.com"
per_rcpt = Message()
per_rcpt["Final-Recipient"] = "rfc822; nobody@qq.com"
per_rcpt["Action"] = "failed"
per_rcpt["Status"] = "5.1.1"
ds.set_payload([per_msg, per_rcpt])
m.attach(ds)
hdrs = Message()
hdrs["Content-Type"] = "text/rfc822-headers"
hdrs.set_payload("From: jcskjhzk@163.com\nTo: nobody@qq.com\nSubject: test\n")
m.attach(hdrs)
save("bounce_dsn.eml", m)

# 12. A newsletter with List-Id and List-Unsubscribe.
m = MIMEText("<p>本周科普资讯</p>", "html", "utf-8")
common(m, "科普周报第23期", "news@kepu.example.cn")
m["List-Id"] = "<weekly.kepu.example.cn>"
m["List-Unsubscribe"] = "<mailto:unsubscribe@kepu.example.cn>"
m["Precedence"] = "bulk"
save("newsletter.eml", m)

# 13. A 163 mail large-attachment notice in HTML (the block 163 web mail
#     inserts), with a text alternative.
html163 = """<div>各位领导好，活动视频较大，用超大附件发送。</div>
<div style="padding:4px"><div><b>从网易163邮箱发来的超大附件</b></div>
<div><div style="float:left;width:36px"><a href="https://mail.163.com/large-attachment-download/index.html?p=X-NETEASE-HUGE-ATTACHMENT&amp;file=djAyZG1meTh2"></a></div>
<div><div><a href="https://mail.163.com/large-attachment-download/index.html?p=X-NETEASE-HUGE-ATTACHMENT&amp;file=djAyZG1meTh2">高平市科技活动周视频.mp4</a>
<span style="color:#bbb"> (350.5M, 2024年6月20日 18:21 到期)</span></div>
<div><a href="https://mail.163.com/large-attachment-download/index.html?p=X-NETEASE-HUGE-ATTACHMENT&amp;file=djAyZG1meTh2">下载</a></div></div></div></div>"""
m = MIMEMultipart("alternative")
common(m, "高平市科技活动周视频（超大附件）", "gpkjj@163.com")
m.attach(MIMEText("各位领导好，活动视频较大，用超大附件发送。\n从网易163邮箱发来的超大附件\n高平市科技活动周视频.mp4 (350.5M, 2024年6月20日 18:21 到期)\n下载: https://mail.163.com/large-attachment-download/index.html?p=X-NETEASE-HUGE-ATTACHMENT&file=djAyZG1meTh2\n", "plain", "utf-8"))
m.attach(MIMEText(html163, "html", "utf-8"))
save("link_163_html.eml", m)

# 14. QQ mail large attachment and a Baidu drive link in a GBK text body.
txt = """领导您好：
活动视频通过QQ邮箱超大附件发送：
陵川县科技周视频.mp4 (1.2G, 2024年06月25日 23:59 到期)
进入下载页面：https://mail.qq.com/cgi-bin/ftnExs_download?k=2c626134314929cb71b95&t=exs_ftn_download&code=bba47fa7
另外照片放在百度网盘：链接: https://pan.baidu.com/s/1AbCdEfGhIjK 提取码: 8k2p
"""
m = MIMEText(txt, "plain", "gbk")
common(m, "陵川县视频（QQ超大附件）", "123456@qq.com")
save("link_qq_text.eml", m)

# --- Malformed messages -------------------------------------------------

# 15. Missing closing boundary: the last part is cut off (byte-patched).
m = MIMEMultipart()
common(m, "缺少结束分隔线", "a@163.com")
m.attach(MIMEText("正文", "plain", "utf-8"))
attach(m, media("photo.jpg"), "image", "jpeg", "照片.jpg", charset="utf-8")
b = to_bytes(m)
b = b[: b.rindex(b"\n--")]
write("malformed_no_closing_boundary.eml", b)

# 16. Broken base64 in an attachment (byte-patched: garbage in the middle).
m = MIMEMultipart()
common(m, "损坏的附件", "a@163.com")
attach(m, media("photo.png"), "image", "png", "照片.png", charset="utf-8")
b = to_bytes(m)
i = b.index(b"iVBOR")
b = b[: i + 40] + b"!!!not base64!!!" + b[i + 40:]
write("malformed_broken_base64.eml", b)

# 17. 200 nested multiparts, a leaf at the bottom.
inner = MIMEText("deep", "plain", "utf-8")
for i in range(200):
    outer = MIMEMultipart(boundary="b%03d" % i)
    outer.attach(inner)
    inner = outer
common(inner, "200 层嵌套", "a@163.com")
save("malformed_nested_200.eml", inner)

# 18. A 100 KB header line.
m = MIMEText("正文", "plain", "utf-8")
common(m, "超长邮件头", "a@163.com")
m["X-Long"] = "x" * (100 * 1024)
save("malformed_long_header.eml", m)

# 19. A path in the attachment name: ../../etc/passwd.xlsx.
m = MIMEMultipart()
common(m, "路径附件名", "a@163.com")
attach(m, media("stats.xlsx"), "application", "octet-stream", "../../etc/passwd.xlsx")
attach(m, media("photo.jpg"), "image", "jpeg", "C:\\Users\\unit\\Desktop\\照片.jpg", charset="utf-8")
save("malformed_path_name.eml", m)

# 20. CR/LF inside an encoded subject (header injection attempt).
m = MIMEText("正文", "plain", "utf-8")
m["From"] = "a@163.com"
m["To"] = "jcskjhzk@163.com"
m["Date"] = "Mon, 03 Jun 2024 10:15:00 +0800"
m["Message-ID"] = "<crlf@fixture.shoubao>"
m["Subject"] = "=?UTF-8?B?%s?=" % base64.b64encode("总结报告\r\nBcc: evil@example.com".encode()).decode()
save("malformed_crlf_subject.eml", m)

# 21. An attachment without any file name, and an inline image.
m = MIMEMultipart("related")
common(m, "无名附件", "a@163.com")
m.attach(MIMEText('<p>照片：<img src="cid:img1"></p>', "html", "utf-8"))
img = MIMEImage(media("photo.jpg"), "jpeg")
img["Content-ID"] = "<img1>"
m.attach(img)
p = MIMEBase("video", "mp4")
p.set_payload(media("clip.mp4"))
encoders.encode_base64(p)
m.attach(p)
save("noname_parts.eml", m)

# 22. A JPEG sent with a .mp4 name, and a zip of GBK-named members.
m = MIMEMultipart()
common(m, "照片和压缩包", "a@163.com")
attach(m, media("photo.jpg"), "video", "mp4", "活动视频.mp4", charset="utf-8")
attach(m, media("gbk.zip"), "application", "zip", "材料.zip", charset="utf-8")
save("mislabeled_and_zip.eml", m)

# 23. A video over the 3-minute limit.
m = MIMEMultipart()
common(m, "活动视频", "a@163.com")
attach(m, media("long.mp4"), "video", "mp4", "高平市科技活动周视频.mp4", charset="utf-8")
save("video_too_long.eml", m)
