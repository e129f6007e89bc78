"""What Java, Android and a few SDK APIs do with a string handed to them: the knowledge the
bytecode flow walk (``formats.android.dex_flow``) needs to say whether a host the code loads
is one it would contact.

Each table names methods by ``(class descriptor, method name)``; every overload of a name
counts. A call in none of them is where the value *may* go to the network: the walk follows it
into the app's own code where it can, and otherwise keeps the endpoint reading. So these tables
only ever turn endpoints into references (or drop file names); a missing entry costs precision,
never a real endpoint.
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "BUILDERS", "CONTAINERS", "WRAPPERS", "PEOPLE", "LOG_CLASSES", "COMPARES", "LOOKS", "FILE_NAMES", "CONTENT",
    "is_exception_class", "is_log_call", "KEYED_PEOPLE", "NAME_SOURCES", "AUTHORITIES", "SCHEMES", "APPENDS", "REPLACES",
]

_SB = ("Ljava/lang/StringBuilder;", "Ljava/lang/StringBuffer;")

BUILDERS: Final = frozenset(
    [(c, m) for c in _SB for m in ("append", "insert", "<init>", "reverse")]
    + [("Landroid/net/Uri$Builder;", m) for m in (
        "authority", "encodedAuthority", "scheme", "path", "encodedPath", "appendPath", "appendEncodedPath",
        "query", "encodedQuery", "appendQueryParameter", "fragment", "encodedFragment", "clearQuery", "opaquePart",
        "encodedOpaquePart")]
    # JSONObject.put and JSONArray.put return the container itself, as a builder does.
    + [("Lorg/json/JSONObject;", "put"), ("Lorg/json/JSONArray;", "put")]
)
"""Calls after which the receiver holds the value, and whose result is that receiver."""

CONTAINERS: Final = frozenset(
    [(c, m) for c in ("Ljava/util/HashMap;", "Ljava/util/Map;", "Ljava/util/LinkedHashMap;", "Ljava/util/TreeMap;",
                      "Ljava/util/concurrent/ConcurrentHashMap;", "Ljava/util/Hashtable;") for m in ("put", "putIfAbsent")]
    + [(c, m) for c in ("Ljava/util/ArrayList;", "Ljava/util/List;", "Ljava/util/Collection;", "Ljava/util/Set;",
                        "Ljava/util/HashSet;", "Ljava/util/LinkedList;") for m in ("add", "addAll")]
    + [("Landroid/os/Bundle;", "putString"), ("Landroid/content/ContentValues;", "put")]
)
"""Calls that store the value in their receiver: the container holds it from then on."""

WRAPPERS: Final = frozenset(
    [(c, m) for c in _SB for m in ("toString", "substring", "subSequence")]
    + [("Ljava/lang/String;", m) for m in (
        "valueOf", "concat", "trim", "strip", "toLowerCase", "toUpperCase", "replace", "replaceAll",
        "replaceFirst", "substring", "subSequence", "format", "intern", "toString", "copyValueOf", "join")]
    + [("Ljava/lang/Object;", "toString"), ("Ljava/lang/CharSequence;", "toString"),
       ("Landroid/text/TextUtils;", "concat"), ("Landroid/text/TextUtils;", "join"),
       ("Landroid/net/Uri;", "parse"), ("Landroid/net/Uri;", "withAppendedPath"), ("Landroid/net/Uri;", "buildUpon"),
       ("Landroid/net/Uri;", "toString"), ("Landroid/net/Uri$Builder;", "build"), ("Landroid/net/Uri$Builder;", "toString"),
       ("Ljava/lang/String;", "getBytes")]
)
"""Calls whose result holds the value the argument or receiver held (a copy, a wrapper)."""

PEOPLE: Final = frozenset([
    ("Landroid/content/Intent;", "<init>"), ("Landroid/content/Intent;", "setData"),
    ("Landroid/content/Intent;", "setDataAndType"), ("Landroid/content/Intent;", "parseUri"),
    ("Landroid/widget/TextView;", "setText"), ("Landroid/widget/TextView;", "setHint"),
    ("Landroid/widget/TextView;", "append"), ("Landroid/widget/Toast;", "makeText"),
    ("Landroid/app/AlertDialog$Builder;", "setMessage"), ("Landroid/app/AlertDialog$Builder;", "setTitle"),
    ("Landroidx/appcompat/app/AlertDialog$Builder;", "setMessage"),
    ("Landroidx/appcompat/app/AlertDialog$Builder;", "setTitle"),
    ("Landroid/support/v7/app/AlertDialog$Builder;", "setMessage"),
    ("Landroid/support/v7/app/AlertDialog$Builder;", "setTitle"),
    ("Landroid/app/ProgressDialog;", "setMessage"), ("Landroid/app/Dialog;", "setTitle"),
    ("Landroid/text/Html;", "fromHtml"), ("Landroid/text/SpannableString;", "<init>"),
    ("Landroid/text/SpannableStringBuilder;", "<init>"), ("Landroid/text/SpannableStringBuilder;", "append"),
    ("Landroid/app/Notification$Builder;", "setContentText"), ("Landroid/app/Notification$Builder;", "setContentTitle"),
    ("Landroidx/core/app/NotificationCompat$Builder;", "setContentText"),
    ("Landroidx/core/app/NotificationCompat$Builder;", "setContentTitle"),
    ("Landroid/support/v4/app/NotificationCompat$Builder;", "setContentText"),
    ("Landroid/support/v4/app/NotificationCompat$Builder;", "setContentTitle"),
    ("Landroid/content/ClipData;", "newPlainText"), ("Landroid/text/ClipboardManager;", "setText"),
    ("Landroid/widget/RemoteViews;", "setTextViewText"), ("Landroid/preference/Preference;", "setSummary"),
    ("Landroid/view/View;", "setContentDescription"),
    ("Ljava/io/PrintStream;", "println"), ("Ljava/io/PrintStream;", "print"), ("Ljava/io/PrintStream;", "printf"),
    ("Ljava/io/PrintWriter;", "println"), ("Ljava/io/PrintWriter;", "print"),
    ("Landroid/content/Intent;", "createChooser"),
] + [(c, m) for c in ("Landroidx/core/app/ShareCompat$IntentBuilder;", "Landroid/support/v4/app/ShareCompat$IntentBuilder;")
     for m in ("setText", "setHtmlText", "setSubject", "setChooserTitle")])
"""Calls whose string ends with a person: an app to view it (a browser, a store), the screen,
a notification, the console."""

LOG_CLASSES: Final = frozenset([
    "Landroid/util/Log;", "Ljava/util/logging/Logger;", "Lorg/slf4j/Logger;", "Ltimber/log/Timber;",
    "Ltimber/log/Timber$Tree;", "Lcom/orhanobut/logger/Logger;", "Lorg/apache/commons/logging/Log;",
])
"""Logging APIs: what they are given is a message for a developer reading the log."""

COMPARES: Final = frozenset(
    [("Ljava/lang/String;", m) for m in (
        "equals", "equalsIgnoreCase", "startsWith", "endsWith", "contains", "indexOf", "lastIndexOf", "matches",
        "compareTo", "compareToIgnoreCase", "regionMatches", "contentEquals")]
    + [("Ljava/lang/Object;", "equals"), ("Landroid/net/Uri;", "equals"), ("Landroid/net/Uri;", "compareTo"),
       ("Landroid/text/TextUtils;", "equals"), ("Ljava/util/Objects;", "equals"),
       ("Lkotlin/jvm/internal/Intrinsics;", "areEqual"), ("Lkotlin/text/StringsKt;", "startsWith"),
       ("Lkotlin/text/StringsKt;", "endsWith"), ("Lkotlin/text/StringsKt;", "contains"),
       ("Lkotlin/text/StringsKt__StringsJVMKt;", "startsWith"), ("Lkotlin/text/StringsKt__StringsKt;", "contains")]
    + [(c, m) for c in ("Ljava/util/List;", "Ljava/util/Set;", "Ljava/util/Collection;", "Ljava/util/ArrayList;",
                        "Ljava/util/HashSet;", "Ljava/util/Map;", "Ljava/util/HashMap;")
       for m in ("contains", "containsKey", "indexOf")]
    + [("Lorg/junit/Assert;", m) for m in ("assertEquals", "assertNotEquals", "assertTrue", "assertSame")]
    + [("Ljunit/framework/Assert;", "assertEquals"), ("Ljunit/framework/TestCase;", "assertEquals")]
)
"""Calls that only compare the string with another: the code recognises a host (the one a
redirect goes to, the APN in use), it does not connect to it."""

NAME_SOURCES: Final = frozenset({
    # The extra information of the active network: on a mobile network, its access point's
    # name (APN), such as "cmwap" or "epc.tmobile.com", which is no host the code contacts.
    ("Landroid/net/NetworkInfo;", "getExtraInfo"),
})
"""Calls returning names that are not hosts even when they have a host's shape: a constant
only compared with what they return is such a name too."""

LOOKS: Final = frozenset(
    [("Ljava/lang/String;", m) for m in ("length", "isEmpty", "hashCode", "charAt", "codePointAt", "toCharArray")]
    + [(c, m) for c in _SB for m in ("length", "charAt", "lastIndexOf", "indexOf", "setLength")]
    + [(c, m) for c in ("Ljava/util/HashMap;", "Ljava/util/Map;", "Ljava/util/ArrayList;", "Ljava/util/List;",
                        "Ljava/util/Collection;", "Ljava/util/Set;", "Ljava/util/HashSet;", "Lorg/json/JSONObject;",
                        "Lorg/json/JSONArray;", "Landroid/os/Bundle;")
       for m in ("size", "isEmpty", "length", "has", "containsKey", "containsValue", "clear")]
    + [("Landroid/text/TextUtils;", "isEmpty"), ("Ljava/lang/Object;", "hashCode"), ("Ljava/lang/Object;", "getClass"),
       ("Lkotlin/jvm/internal/Intrinsics;", "checkNotNullParameter"), ("Lkotlin/jvm/internal/Intrinsics;", "checkParameterIsNotNull"),
       ("Lkotlin/jvm/internal/Intrinsics;", "checkNotNullExpressionValue"), ("Lkotlin/jvm/internal/Intrinsics;", "checkExpressionValueIsNotNull")]
)
"""Calls that look at the string and send it nowhere: no sign either way."""

FILE_NAMES: Final = frozenset([
    ("Ljava/io/File;", "<init>"), ("Ljava/io/FileInputStream;", "<init>"), ("Ljava/io/FileOutputStream;", "<init>"),
    ("Ljava/io/FileReader;", "<init>"), ("Ljava/io/FileWriter;", "<init>"), ("Ljava/io/RandomAccessFile;", "<init>"),
    ("Landroid/content/Context;", "openFileInput"), ("Landroid/content/Context;", "openFileOutput"),
    ("Landroid/content/Context;", "getDir"), ("Landroid/content/Context;", "getDatabasePath"),
    ("Landroid/content/Context;", "getFileStreamPath"), ("Landroid/content/Context;", "deleteFile"),
    ("Landroid/content/Context;", "getSharedPreferences"), ("Landroid/content/ContextWrapper;", "getSharedPreferences"),
    ("Landroid/content/ContextWrapper;", "openFileOutput"), ("Landroid/content/ContextWrapper;", "getDir"),
])
"""Calls that take a file's name: a dotted string given to them is not a host."""

CONTENT: Final = frozenset(
    # ShareSDK (MobTech): what a share posts to another platform.
    [("Lcn/sharesdk/framework/Platform$ShareParams;", m) for m in (
        "setUrl", "setTitleUrl", "setSiteUrl", "setImageUrl", "setMusicUrl", "setVideoUrl", "setLinkUrl")]
    # ShareSDK's one-click share screen, and its store of the signed-in user's profile.
    + [("Lcn/sharesdk/onekeyshare/OnekeyShare;", m) for m in (
        "setUrl", "setTitleUrl", "setSiteUrl", "setImageUrl", "setMusicUrl", "setVideoUrl")]
    + [("Lcn/sharesdk/framework/PlatformDb;", "put")]
    # Branch: the content a deep link describes, and a QR code's logo.
    + [("Lio/branch/indexing/BranchUniversalObject;", m) for m in ("setCanonicalUrl", "setContentImageUrl")]
    + [("Lio/branch/referral/QRCode/BranchQRCode;", "setCenterLogo")]
    # Countly: a user profile's picture, stored as a user property.
    + [("Lly/count/android/sdk/UserEditor;", "setPicturePath")]
    # Facebook sharing: the link and picture a post shows.
    + [("Lcom/facebook/share/model/ShareLinkContent$Builder;", m) for m in ("setContentUrl", "setImageUrl")]
    + [("Lcom/facebook/share/model/ShareContent$Builder;", "setContentUrl")]
)
"""SDK setters whose URL is content for another app or for people to open (a share's link, a
profile's page or picture), not a server the SDK connects to."""


_SHARED_TEXT: Final = frozenset({
    "android.intent.extra.TEXT", "android.intent.extra.HTML_TEXT", "android.intent.extra.SUBJECT",
    "android.intent.extra.TITLE",
})
"""Intent extras a share carries for people: the text, its subject, a chooser's title."""

KEYED_PEOPLE: Final = {
    ("Landroid/content/Intent;", "putExtra"): (2, 1, _SHARED_TEXT),
}
"""Calls whose value (argument position, the first) is for people when the key (the second
position) is one of these constants: ``putExtra(Intent.EXTRA_TEXT, link)`` shares a link with
whichever app the user picks; under another key the value may go anywhere."""

AUTHORITIES: Final = frozenset([("Landroid/net/Uri$Builder;", "authority"), ("Landroid/net/Uri$Builder;", "encodedAuthority")])
"""Calls that make a string a URI's authority: a host only when the URI's scheme names a server."""
SCHEMES: Final = frozenset([("Landroid/net/Uri$Builder;", "scheme")])
"""Calls that set the scheme of the URI a builder makes."""
APPENDS: Final = frozenset([(c, m) for c in _SB for m in ("append", "<init>")])
REPLACES: Final = frozenset([("Ljava/lang/String;", "replace")])
"""Calls that replace literal text in their receiver (not a regular expression)."""
"""Calls that add text at the end of what a string builder holds (``<init>`` with its first text)."""


def is_exception_class(descriptor: str) -> bool:
    """A class named as an exception or error: its constructor's string is a message."""
    return descriptor.endswith(("Exception;", "Error;")) or descriptor == "Ljava/lang/Throwable;"


def is_log_call(descriptor: str, name: str) -> bool:
    """A logging call: a known logging API, a method named as one (``logError``), a class named
    as one (``…/BranchLogger;``) or a class in a package named as one (``…/support/log/a;``,
    which survives shrinking when class names do not)."""
    if descriptor in LOG_CLASSES:
        return True
    package, _, simple = descriptor.rstrip(";").rpartition("/")
    if package.rsplit("/", 1)[-1] in ("log", "logger", "logging", "logs"):
        return True
    return simple.endswith(("Log", "Logger", "Logging", "LogUtil", "LogUtils")) or (
        name.startswith("log") and (len(name) == 3 or name[3].isupper()))
