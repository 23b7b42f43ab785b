"""Real reply samples (from PROTOCOL.md and the seed write-ups) and realistic wire messages for codec tests.

The JSON samples live in ``samples/`` exactly as the seeds print them (seed 002's init reply had one
full-width comma, a typo of the write-up, fixed so that it is JSON).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

SAMPLES = Path(__file__).parent / "samples"


def sample_bytes(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


# --- JS-assignment replies -------------------------------------------------------------------------
JSLOGIN_PROTOCOL = 'window.QRLogin.code = 200; window.QRLogin.uuid = "4dcaWx3uBw==";'
JSLOGIN_SEED002 = 'window.QRLogin.code = 200; window.QRLogin.uuid = "4a914KmLzA==";'
JSLOGIN_SEED003 = 'window.QRLogin.code = 200; window.QRLogin.uuid = "gfNHoe0rgA==";'
JSLOGIN_SEED003_NOSEMI = 'window.QRLogin.code = 200; window.QRLogin.uuid = "xxxx"'
POLL_408 = "window.code=408;"
POLL_400 = "window.code=400;"
POLL_202 = "window.code=202;"
POLL_201_PROTOCOL = "window.code=201;window.userAvatar = 'data:img/jpg;base64,/9j/4AAQSkZJRg==';"
POLL_201_SEED002 = "window.code=201;window.userAvatar = '*';"
POLL_408_AVATAR_SEED003 = "window.code=408;window.userAvatar='data:img/jpeg;base64,iVBORw...'"
REDIRECT_SEED002 = (
    "https://wx.qq.com/cgi-bin/mmwebwx-bin/webwxnewloginpage?ticket=Ab_yr7Yr6WvKsemcObL59fjA@qrticket_0"
    "&uuid=YaF5FnN99A==&lang=zh_CN&scan=1513922416"
)
POLL_200_SEED002 = f'window.code=200;\nwindow.redirect_uri="{REDIRECT_SEED002}";'
POLL_200_PROTOCOL = (
    'window.code=200;\nwindow.redirect_uri="https://wx2.qq.com/cgi-bin/mmwebwx-bin/webwxnewloginpage'
    '?ticket=A6NZ9sXkq@qrticket_0&uuid=U&lang=zh_CN&scan=1463755895";'
)
SYNCCHECK_2 = 'window.synccheck={retcode:"0",selector:"2"}'
SYNCCHECK_0 = 'window.synccheck={retcode:"0",selector:"0"}'
SYNCCHECK_1100 = 'window.synccheck={retcode:"1100",selector:"0"}'
SYNCCHECK_1101 = 'window.synccheck={retcode:"1101",selector:"0"}'

# --- login XML --------------------------------------------------------------------------------------
SKEY = "@crypt_ae446460_e9e8f3a2b1c0d9e8f7a6b5c4d3e2f1a0"
WXSID = "GLRECysse3NhRQe2"
WXUIN = "2663483803"
PASS_TICKET = "NuMIwq1v%2FNgAbC%2BdEf"
LOGIN_XML_PROTOCOL = (
    f"<error><ret>0</ret><message></message><skey>{SKEY}</skey><wxsid>{WXSID}</wxsid>"
    f"<wxuin>{WXUIN}</wxuin><pass_ticket>{PASS_TICKET}</pass_ticket><isgrayscale>1</isgrayscale></error>"
)
LOGIN_XML_1203 = (
    "<error><ret>1203</ret><message>为了你的帐号安全，此微信号不能登录网页微信。"
    "你可以使用Windows微信或Mac微信在电脑端登录。Windows微信下载地址：https://pc.weixin.qq.com  "
    "Mac微信下载地址：https://mac.weixin.qq.com</message></error>"
)
LOGIN_XML_1203_TICKET = "<error><ret>1203</ret><message>check ticket failed</message></error>"

# --- realistic wire messages ------------------------------------------------------------------------
ME = "@97bd921d6335b07f58a04cea08181b35"
ROOM = "@@3c2deacf1b60335ef5b07c1d364551afc2a4cc0dcd8aaa8430570f753e56f625"
ANN = "@da84612cd0f1409ee1feeee03d85e70faf7275cbf84326eae071293df8883941"
BOB = "@4f460c580a3798ed6ed571593f694f72"

_BASE_ITEM: dict[str, Any] = {
    "MsgId": "7466342607691052416",
    "FromUserName": BOB,
    "ToUserName": ME,
    "MsgType": 1,
    "Content": "",
    "Status": 3,
    "ImgStatus": 1,
    "CreateTime": 1513913385,
    "VoiceLength": 0,
    "PlayLength": 0,
    "FileName": "",
    "FileSize": "",
    "MediaId": "",
    "Url": "",
    "AppMsgType": 0,
    "StatusNotifyCode": 0,
    "StatusNotifyUserName": "",
    "RecommendInfo": {
        "UserName": "",
        "NickName": "",
        "QQNum": 0,
        "Province": "",
        "City": "",
        "Content": "",
        "Signature": "",
        "Alias": "",
        "Scene": 0,
        "VerifyFlag": 0,
        "AttrStatus": 0,
        "Sex": 0,
        "Ticket": "",
        "OpCode": 0,
    },
    "ForwardFlag": 0,
    "AppInfo": {"AppID": "", "Type": 0},
    "HasProductId": 0,
    "Ticket": "",
    "ImgHeight": 0,
    "ImgWidth": 0,
    "SubMsgType": 0,
    "NewMsgId": 7466342607691052416,
    "OriContent": "",
    "EncryFileName": "",
}


def item(**fields: Any) -> dict[str, Any]:
    """An AddMsgList item with every field the real server sends, overridden by ``fields``."""
    out = copy.deepcopy(_BASE_ITEM)
    out.update(fields)
    return out


LINK_CONTENT = (
    '&lt;msg&gt;<br/>&lt;appmsg appid="" sdkver="0"&gt;<br/>&lt;title&gt;Tea &amp;amp; cake: '
    "&amp;lt;best&amp;gt; 🍰&lt;/title&gt;<br/>&lt;des&gt;A guide&lt;/des&gt;<br/>"
    "&lt;action&gt;&lt;/action&gt;"
    "<br/>&lt;type&gt;5&lt;/type&gt;<br/>&lt;showtype&gt;0&lt;/showtype&gt;<br/>&lt;content&gt;&lt;/content&gt;"
    "<br/>&lt;url&gt;http://mp.weixin.qq.com/s?__biz=MzA5&amp;amp;mid=26&amp;amp;idx=1#rd&lt;/url&gt;<br/>"
    "&lt;lowurl&gt;&lt;/lowurl&gt;<br/>&lt;appattach&gt;<br/>&lt;totallen&gt;0&lt;/totallen&gt;<br/>"
    "&lt;attachid&gt;&lt;/attachid&gt;<br/>&lt;fileext&gt;&lt;/fileext&gt;<br/>&lt;/appattach&gt;<br/>"
    "&lt;extinfo&gt;&lt;/extinfo&gt;<br/>&lt;/appmsg&gt;<br/>&lt;appinfo&gt;<br/>&lt;version&gt;&lt;/version&gt;"
    "<br/>&lt;appname&gt;&lt;/appname&gt;<br/>&lt;/appinfo&gt;<br/>&lt;/msg&gt;<br/>"
)
FILE_CONTENT = (
    '&lt;msg&gt;&lt;appmsg appid="" sdkver="0"&gt;&lt;title&gt;report Q3.pdf&lt;/title&gt;'
    "&lt;des&gt;&lt;/des&gt;"
    "&lt;type&gt;6&lt;/type&gt;&lt;appattach&gt;&lt;totallen&gt;482137&lt;/totallen&gt;"
    "&lt;attachid&gt;@cdn_304c_1&lt;/attachid&gt;&lt;fileext&gt;pdf&lt;/fileext&gt;&lt;/appattach&gt;"
    "&lt;/appmsg&gt;&lt;/msg&gt;"
)
IMAGE_CONTENT = (
    '&lt;?xml version="1.0"?&gt;<br/>&lt;msg&gt;<br/>\t&lt;img aeskey="8a5b" encryver="1" '
    'cdnthumbaeskey="8a5b" cdnthumburl="304c02" cdnthumblength="3415" cdnthumbheight="120" '
    'cdnthumbwidth="90" cdnmidheight="0" cdnmidwidth="0" cdnhdheight="0" cdnhdwidth="0" '
    'cdnmidimgurl="304c02" length="43117" md5="1d5b1d4b" /&gt;<br/>&lt;/msg&gt;<br/>'
)
REVOKE_CONTENT = (
    '&lt;sysmsg type="revokemsg"&gt;&lt;revokemsg&gt;&lt;session&gt;wxid_abc&lt;/session&gt;'
    "&lt;oldmsgid&gt;1057712390&lt;/oldmsgid&gt;&lt;msgid&gt;3328715812406402417&lt;/msgid&gt;"
    '&lt;replacemsg&gt;&lt;![CDATA["Ann" 撤回了一条消息]]&gt;&lt;/replacemsg&gt;'
    "&lt;/revokemsg&gt;&lt;/sysmsg&gt;"
)
LOCATION_ORI = (
    '&lt;?xml version="1.0"?&gt;<br/>&lt;msg&gt;<br/>\t&lt;location x="39.908860" y="116.397390" scale="16" '
    'label="北京市东城区天安门" maptype="0" poiname="[位置]" /&gt;<br/>&lt;/msg&gt;<br/>'
)
