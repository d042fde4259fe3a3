#include "kube/KubeconfigFile.h"

#include "core/BoundedRead.h"
#include "core/DisplayText.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QFileInfo>
#include <QRegularExpression>
#include <QSaveFile>
#include <QStringDecoder>
#include <QThread>

#include <yaml-cpp/yaml.h>

namespace kms {

struct KubeconfigFile::Document {
    YAML::Node root;
};

namespace {

const char *const kLists[] = { "clusters", "users", "contexts" };

std::string s(const QString &text)
{
    return text.toStdString();
}

QString nameOf(const YAML::Node &entry)
{
    if (!entry.IsMap() || !entry["name"] || !entry["name"].IsScalar())
        return {};
    return QString::fromStdString(entry["name"].Scalar());
}

// A scalar that a YAML reader would take for something other than a string
// (a number, a boolean, null) when written plain.
bool needsQuotes(const std::string &value)
{
    if (value.empty())
        return true;
    static const QRegularExpression special(
        QStringLiteral(
            "^(y|n|yes|no|true|false|on|off|null|~|[-+]?\\.?(inf|nan)|[-+]?[0-9.][0-9a-z_.:+-]*)$"),
        QRegularExpression::CaseInsensitiveOption);
    const QString text = QString::fromStdString(value);
    return special.match(text).hasMatch() || text.front().isSpace() || text.back().isSpace();
}

// yaml-cpp forgets how a scalar was written: "123" and 'true' would come back
// as a number and a boolean. The tag it keeps says it: "!" for a quoted or
// block scalar, "?" for a plain one; scalars made here have none.
void emitNode(YAML::Emitter &out, const YAML::Node &node)
{
    switch (node.Type()) {
    case YAML::NodeType::Sequence:
        out << YAML::BeginSeq;
        for (const YAML::Node &item : node)
            emitNode(out, item);
        out << YAML::EndSeq;
        break;
    case YAML::NodeType::Map:
        out << YAML::BeginMap;
        for (const auto &entry : node) {
            out << YAML::Key;
            emitNode(out, entry.first);
            out << YAML::Value;
            emitNode(out, entry.second);
        }
        out << YAML::EndMap;
        break;
    case YAML::NodeType::Scalar: {
        const std::string &tag = node.Tag();
        const std::string &value = node.Scalar();
        if (tag == "!")
            out << YAML::DoubleQuoted << value;
        else if (tag == "?")
            out << value;
        else if (tag.empty())
            out << (needsQuotes(value) ? YAML::DoubleQuoted : YAML::Auto) << value;
        else
            out << YAML::VerbatimTag(tag) << value;
        break;
    }
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
        out << YAML::Null;
        break;
    }
}

// An entry of clusters, users or contexts whose cluster, user or context
// carries our extension.
bool writtenHere(const YAML::Node &entry)
{
    for (const char *field : { "cluster", "user", "context" }) {
        const YAML::Node body = entry[field];
        if (!body || !body.IsMap() || !body["extensions"] || !body["extensions"].IsSequence())
            continue;
        for (const YAML::Node &e : body["extensions"]) {
            if (nameOf(e) == KubeconfigFile::ExtensionName)
                return true;
        }
    }
    return false;
}

// A boolean, written plain (a scalar made here without a tag is written as a string).
YAML::Node flag(bool value)
{
    YAML::Node node(value ? "true" : "false");
    node.SetTag("?");
    return node;
}

YAML::Node extensions(const ExecContext &c)
{
    YAML::Node about(YAML::NodeType::Map);
    about["writtenBy"] = "hanzo-kmsctl kubeconfig add";
    about["secret"] = s(c.secretName);
    about["environment"] = s(c.environmentName);
    YAML::Node entry(YAML::NodeType::Map);
    entry["name"] = s(KubeconfigFile::ExtensionName);
    entry["extension"] = about;
    YAML::Node list(YAML::NodeType::Sequence);
    list.push_back(entry);
    return list;
}

// The list under key, made when missing or null.
YAML::Node list(YAML::Node &root, const char *key)
{
    if (!root[key] || root[key].IsNull())
        root[key] = YAML::Node(YAML::NodeType::Sequence);
    return root[key];
}

// Index of the entry named name in list, -1 if none.
int indexOf(const YAML::Node &list, const QString &name)
{
    int i = 0;
    for (const YAML::Node &entry : list) {
        if (nameOf(entry) == name)
            return i;
        ++i;
    }
    return -1;
}

// A copy of list with entry i replaced by (or, when i is -1, followed by) entry;
// an invalid entry removes entry i.
YAML::Node withEntry(const YAML::Node &list, int i, const YAML::Node &entry)
{
    YAML::Node out(YAML::NodeType::Sequence);
    int at = 0;
    for (const YAML::Node &item : list) {
        if (at++ != i)
            out.push_back(item);
        else if (entry.IsDefined())
            out.push_back(entry);
    }
    if (i < 0 && entry.IsDefined())
        out.push_back(entry);
    return out;
}

QString kindWord(const char *list)
{
    return QString::fromLatin1(list).chopped(1);
}

} // namespace

KubeconfigFile::KubeconfigFile()
    : m_doc(std::make_unique<Document>())
{
}

KubeconfigFile::KubeconfigFile(KubeconfigFile &&) noexcept = default;
KubeconfigFile &KubeconfigFile::operator=(KubeconfigFile &&) noexcept = default;
KubeconfigFile::~KubeconfigFile() = default;

QString KubeconfigFile::resolvePath(
    const QString &explicitPath, const QString &kubeconfigEnv, const QString &home)
{
    if (!explicitPath.isEmpty())
        return QFileInfo(explicitPath).absoluteFilePath();
    for (const QString &entry : kubeconfigEnv.split(QDir::listSeparator(), Qt::SkipEmptyParts))
        return QFileInfo(entry).absoluteFilePath();
    return QDir(home).filePath(QStringLiteral(".kube/config"));
}

std::optional<KubeconfigFile> KubeconfigFile::load(const QString &path, QString *error, bool *damaged)
{
    const QFileInfo info(path);
    if (!info.exists())
        return parse({}, path, error, damaged);
    if (!info.isFile()) {
        *error = QStringLiteral("The kubeconfig %1 is not a regular file; name a file with --kubeconfig.")
                     .arg(quoted(path));
        return std::nullopt;
    }
    const BoundedRead read = BoundedRead::fromFile(path, MaxFileBytes);
    if (!read.ok()) {
        *error = QStringLiteral("The kubeconfig cannot be used: %1.").arg(read.problem(path));
        if (damaged)
            *damaged = read.status == BoundedRead::Status::TooLarge;
        return std::nullopt;
    }
    std::optional<KubeconfigFile> file = parse(read.data, path, error, damaged);
    if (file)
        file->m_existed = true;
    return file;
}

std::optional<KubeconfigFile> KubeconfigFile::parse(
    const QByteArray &yaml, const QString &path, QString *error, bool *refused)
{
    const auto damaged = [&](const QString &what) {
        if (refused)
            *refused = true;
        *error = QStringLiteral("The kubeconfig %1 is damaged (%2), so it was left as it is; fix it, or name "
                                "another file with --kubeconfig.")
                     .arg(quoted(path), what);
        return std::nullopt;
    };
    if (yaml.size() > MaxFileBytes)
        return damaged(QStringLiteral("larger than %1").arg(describeSize(MaxFileBytes)));
    if (yaml.contains('\0'))
        return damaged(QStringLiteral("it holds NUL bytes"));
    QStringDecoder utf8(QStringDecoder::Utf8);
    const QString text = utf8(yaml);
    if (utf8.hasError())
        return damaged(QStringLiteral("it is not UTF-8"));
    KubeconfigFile file;
    file.m_path = path;
    file.m_original = yaml;
    std::vector<YAML::Node> documents;
    try {
        documents = YAML::LoadAll(yaml.toStdString());
    } catch (const YAML::Exception &e) {
        return damaged(QStringLiteral("line %1: %2")
                           .arg(e.mark.line + 1)
                           .arg(escapeControls(QString::fromStdString(e.msg))));
    }
    if (documents.size() > 1)
        return damaged(QStringLiteral("it holds %1 YAML documents, not one").arg(documents.size()));
    YAML::Node root = documents.empty() ? YAML::Node() : documents.front();
    if (!root.IsDefined() || root.IsNull()) {
        root = YAML::Node(YAML::NodeType::Map);
        root["apiVersion"] = "v1";
        root["kind"] = "Config";
    }
    if (!root.IsMap())
        return damaged(QStringLiteral("it is not a YAML mapping"));
    if (root["kind"] && (!root["kind"].IsScalar() || root["kind"].Scalar() != "Config"))
        return damaged(QStringLiteral("its kind is not Config"));
    if (root["current-context"] && !root["current-context"].IsScalar() && !root["current-context"].IsNull())
        return damaged(QStringLiteral("current-context is not a name"));
    for (const char *key : kLists) {
        const YAML::Node list = root[key];
        if (!list || list.IsNull())
            continue;
        if (!list.IsSequence())
            return damaged(QStringLiteral("%1 is not a list").arg(QLatin1String(key)));
        QStringList names;
        int i = 0;
        for (const YAML::Node &entry : list) {
            ++i;
            const QString name = nameOf(entry);
            if (name.isEmpty())
                return damaged(QStringLiteral("entry %1 of %2 has no name").arg(i).arg(QLatin1String(key)));
            if (names.contains(name))
                return damaged(QStringLiteral("%1 lists %2 twice").arg(QLatin1String(key), quoted(name)));
            names << name;
        }
    }
    file.m_doc->root = root;
    return file;
}

QStringList KubeconfigFile::contextNames() const
{
    QStringList names;
    const YAML::Node contexts = m_doc->root["contexts"];
    if (contexts && contexts.IsSequence()) {
        for (const YAML::Node &entry : contexts)
            names << nameOf(entry);
    }
    return names;
}

QString KubeconfigFile::currentContext() const
{
    const YAML::Node current = m_doc->root["current-context"];
    return current && current.IsScalar() ? QString::fromStdString(current.Scalar()) : QString();
}

std::optional<KubeconfigFile::Change> KubeconfigFile::addExecContext(const ExecContext &c, QString *error)
{
    YAML::Node &root = m_doc->root;
    const QString names[] = { c.clusterName, c.userName, c.contextName };
    // Refuse before changing anything: every name must be free or ours.
    for (int k = 0; k < 3; ++k) {
        const YAML::Node entries = root[kLists[k]];
        if (!entries || entries.IsNull())
            continue;
        const int i = indexOf(entries, names[k]);
        if (i >= 0 && !writtenHere(entries[i])) {
            *error = QStringLiteral("The kubeconfig %1 already has a %2 %3 that hanzo-kmsctl did not write; "
                                    "choose another name with --context.")
                         .arg(quoted(m_path), kindWord(kLists[k]), quoted(names[k]));
            return std::nullopt;
        }
    }

    YAML::Node cluster(YAML::NodeType::Map);
    cluster["server"] = s(c.server);
    if (!c.caPem.isEmpty())
        cluster["certificate-authority-data"] = c.caPem.toBase64().toStdString();
    if (c.insecureSkipTlsVerify)
        cluster["insecure-skip-tls-verify"] = flag(true);
    cluster["extensions"] = extensions(c);
    YAML::Node clusterEntry(YAML::NodeType::Map);
    clusterEntry["name"] = s(c.clusterName);
    clusterEntry["cluster"] = cluster;

    YAML::Node exec(YAML::NodeType::Map);
    exec["apiVersion"] = "client.authentication.k8s.io/v1";
    exec["command"] = s(c.command);
    YAML::Node args(YAML::NodeType::Sequence);
    for (const QString &a : c.args)
        args.push_back(s(a));
    exec["args"] = args;
    if (!c.env.isEmpty()) {
        YAML::Node env(YAML::NodeType::Sequence);
        for (const auto &[name, value] : c.env) {
            YAML::Node variable(YAML::NodeType::Map);
            variable["name"] = s(name);
            variable["value"] = s(value);
            env.push_back(variable);
        }
        exec["env"] = env;
    }
    exec["interactiveMode"] = "Never";
    exec["provideClusterInfo"] = flag(false);
    exec["installHint"] = "hanzo-kmsctl (Hanzo KMS Desktop) issues this context's tokens; install Hanzo KMS "
                          "Desktop, or run hanzo-kmsctl kubeconfig remove with this context's name.";
    YAML::Node user(YAML::NodeType::Map);
    user["exec"] = exec;
    user["extensions"] = extensions(c);
    YAML::Node userEntry(YAML::NodeType::Map);
    userEntry["name"] = s(c.userName);
    userEntry["user"] = user;

    YAML::Node context(YAML::NodeType::Map);
    context["cluster"] = s(c.clusterName);
    context["user"] = s(c.userName);
    if (!c.namespaceName.isEmpty())
        context["namespace"] = s(c.namespaceName);
    context["extensions"] = extensions(c);
    YAML::Node contextEntry(YAML::NodeType::Map);
    contextEntry["name"] = s(c.contextName);
    contextEntry["context"] = context;

    const YAML::Node entries[] = { clusterEntry, userEntry, contextEntry };
    Change change = Change::Added;
    for (int k = 0; k < 3; ++k) {
        const YAML::Node current = list(root, kLists[k]);
        const int i = indexOf(current, names[k]);
        if (k == 2 && i >= 0)
            change = Change::Replaced;
        root[kLists[k]] = withEntry(current, i, entries[k]);
    }
    return change;
}

bool KubeconfigFile::removeContext(const QString &name, QString *error, bool *wasCurrent)
{
    YAML::Node &root = m_doc->root;
    *wasCurrent = false;
    const YAML::Node contexts = list(root, "contexts");
    const int i = indexOf(contexts, name);
    if (i < 0) {
        *error = QStringLiteral("The kubeconfig %1 has no context %2.").arg(quoted(m_path), quoted(name));
        return false;
    }
    const YAML::Node entry = contexts[i];
    if (!writtenHere(entry)) {
        *error = QStringLiteral("The context %1 in %2 was not written by hanzo-kmsctl, so it is left alone; "
                                "remove it with kubectl config delete-context.")
                     .arg(quoted(name), quoted(m_path));
        return false;
    }
    const YAML::Node context = entry["context"];
    const QString userName = context["user"] ? QString::fromStdString(context["user"].Scalar()) : QString();
    const QString clusterName
        = context["cluster"] ? QString::fromStdString(context["cluster"].Scalar()) : QString();
    root["contexts"] = withEntry(contexts, i, YAML::Node(YAML::NodeType::Undefined));

    // The user and the cluster go too when they are ours and no other context uses them.
    const auto stillUsed = [&](const char *field, const QString &value) {
        for (const YAML::Node &other : root["contexts"]) {
            const YAML::Node ref = other["context"][field];
            if (ref && ref.IsScalar() && QString::fromStdString(ref.Scalar()) == value)
                return true;
        }
        return false;
    };
    for (const auto &[key, field, value] :
        { std::tuple { "users", "user", userName }, std::tuple { "clusters", "cluster", clusterName } }) {
        const YAML::Node entries = list(root, key);
        const int at = indexOf(entries, value);
        if (at >= 0 && writtenHere(entries[at]) && !stillUsed(field, value))
            root[key] = withEntry(entries, at, YAML::Node(YAML::NodeType::Undefined));
    }
    if (currentContext() == name) {
        root["current-context"] = "";
        *wasCurrent = true;
    }
    return true;
}

QByteArray KubeconfigFile::toYaml() const
{
    YAML::Emitter out;
    out.SetIndent(2);
    emitNode(out, m_doc->root);
    QByteArray yaml(out.c_str(), qsizetype(out.size()));
    yaml.append('\n');
    return yaml;
}

bool KubeconfigFile::save(QString *error)
{
    const QFileInfo info(m_path);
    const QString dir = info.absolutePath();
    if (!QFileInfo::exists(dir)) {
        if (!QDir().mkpath(dir)) {
            *error = QStringLiteral("Cannot make the directory %1 for the kubeconfig.").arg(quoted(dir));
            return false;
        }
        if (!QFile::setPermissions(dir, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner)) {
            *error = QStringLiteral("Cannot make the directory %1 private (mode 0700).").arg(quoted(dir));
            return false;
        }
    }
    const auto write = [&](const QString &path, const QByteArray &bytes) {
        QSaveFile file(path);
        if (!file.open(QIODevice::WriteOnly)) {
            *error = QStringLiteral("Cannot write %1: %2.").arg(quoted(path), file.errorString());
            return false;
        }
        if (file.write(bytes) != bytes.size()
            || !file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner) || !file.commit()) {
            *error = QStringLiteral("Cannot write %1: %2.").arg(quoted(path), file.errorString());
            file.cancelWriting();
            return false;
        }
        return true;
    };
    if (m_existed && !write(backupPath(), m_original)) {
        error->append(QStringLiteral(" The kubeconfig was not changed."));
        return false;
    }
    return write(m_path, toYaml());
}

KubeconfigLock::KubeconfigLock(const QString &kubeconfigPath, int waitMs)
    : m_lockPath(kubeconfigPath + QStringLiteral(".lock"))
{
    const QString dir = QFileInfo(kubeconfigPath).absolutePath();
    if (!QFileInfo::exists(dir)
        && (!QDir().mkpath(dir)
            || !QFile::setPermissions(dir, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner))) {
        m_error = QStringLiteral("Cannot make the directory %1 for the kubeconfig.").arg(quoted(dir));
        return;
    }
    // What kubectl does: create the lock file exclusively. No signal tells when
    // another program lets go, so ask again every 50 ms.
    const QDeadlineTimer deadline(waitMs);
    for (;;) {
        QFile lock(m_lockPath);
        if (lock.open(QIODevice::WriteOnly | QIODevice::NewOnly)) {
            m_held = true;
            return;
        }
        if (lock.error() != QFileDevice::OpenError || !QFileInfo::exists(m_lockPath)) {
            m_error = QStringLiteral("Cannot lock the kubeconfig: %1: %2.")
                          .arg(quoted(m_lockPath), lock.errorString());
            return;
        }
        if (deadline.hasExpired())
            break;
        QThread::msleep(50);
    }
    m_error = QStringLiteral("The kubeconfig is locked by another program (%1 exists); try again, or delete "
                             "that file if no kubectl is running.")
                  .arg(quoted(m_lockPath));
}

bool KubeconfigLock::release(QString *error)
{
    if (!m_held)
        return true;
    QFile lock(m_lockPath);
    m_held = false;
    if (!lock.remove()) {
        *error
            = QStringLiteral("The kubeconfig's lock file %1 could not be removed (%2); delete it, or kubectl "
                             "will refuse to change the kubeconfig.")
                  .arg(quoted(m_lockPath), lock.errorString());
        return false;
    }
    return true;
}

KubeconfigLock::~KubeconfigLock()
{
    QString ignored;
    release(&ignored); // after an early return; release() reports when called in the normal course
}

} // namespace kms
