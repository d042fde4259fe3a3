#include "kube/Kubeconfig.h"

#include "core/BearerToken.h"
#include "core/BoundedRead.h"
#include "core/DisplayText.h"
#include "core/DynamicSecret.h"

#include <QDir>
#include <QFileInfo>

#include <yaml-cpp/yaml.h>

namespace kms {

namespace {

QString str(const YAML::Node &node)
{
    if (!node || !node.IsScalar())
        return {};
    return QString::fromStdString(node.as<std::string>());
}

YAML::Node findNamed(const YAML::Node &list, const QString &name, const char *field)
{
    if (!list || !list.IsSequence())
        return {};
    for (const YAML::Node &entry : list) {
        if (entry.IsMap() && str(entry["name"]) == name)
            return entry[field];
    }
    return {};
}

QString fullPath(const QString &path, const QString &baseDir)
{
    return QFileInfo(path).isRelative() ? QDir(baseDir).filePath(path) : path;
}

// The first key of a mapping that is not one of `known`, in file order.
QString unknownKey(const YAML::Node &map, std::initializer_list<const char *> known)
{
    for (const auto &entry : map) {
        const std::string key = entry.first.IsScalar() ? entry.first.Scalar() : std::string();
        bool found = false;
        for (const char *k : known)
            found = found || key == k;
        if (!found)
            return QString::fromStdString(key);
    }
    return {};
}

// Why this cluster entry is refused: the first field this program would
// otherwise drop without a word. Empty when every field is honoured.
QString refusedClusterField(const YAML::Node &cluster, const QString &name)
{
    const QString who = QStringLiteral("The cluster %1").arg(quoted(name));
    if (cluster["proxy-url"])
        return QStringLiteral("%1 sets proxy-url: Hanzo KMS connects to the API server directly, never "
                              "through a proxy; remove proxy-url, or reach the cluster through a gateway.")
            .arg(who);
    if (cluster["tls-server-name"])
        return QStringLiteral("%1 sets tls-server-name, which Hanzo KMS does not support: it checks the "
                              "server's certificate against the host of the server URL; use a server URL "
                              "whose host the certificate names.")
            .arg(who);
    // extensions carry notes for other tools (minikube writes them); they do not change the connection.
    const QString unknown = unknownKey(cluster,
        { "server", "certificate-authority", "certificate-authority-data", "insecure-skip-tls-verify",
            "disable-compression", "extensions" });
    if (!unknown.isEmpty())
        return QStringLiteral("%1 sets %2, which Hanzo KMS does not understand; remove it.")
            .arg(who, escapeControls(unknown));
    return {};
}

QString refusedUserField(const YAML::Node &user, const QString &name)
{
    const QString who = QStringLiteral("The user %1").arg(quoted(name));
    const QString advice = QStringLiteral(
        "a dynamic secret needs a service account token: create one as the setup guide shows and use "
        "--token-file.");
    for (const char *field : { "exec", "auth-provider" }) {
        if (user[field])
            return QStringLiteral("%1 sets %2: it gets its credentials from a plugin, and %3")
                .arg(who, QLatin1String(field), advice);
    }
    for (const char *field :
        { "client-certificate", "client-certificate-data", "client-key", "client-key-data" }) {
        if (user[field])
            return QStringLiteral("%1 sets %2: it authenticates with a client certificate, and %3")
                .arg(who, QLatin1String(field), advice);
    }
    for (const char *field : { "username", "password" }) {
        if (user[field])
            return QStringLiteral("%1 sets %2: basic authentication is not supported, and %3")
                .arg(who, QLatin1String(field), advice);
    }
    for (const char *field : { "as", "as-uid", "as-groups", "as-user-extra" }) {
        if (user[field])
            return QStringLiteral("%1 sets %2: Hanzo KMS does not impersonate; use the token of the account "
                                  "that should act, without %2.")
                .arg(who, QLatin1String(field));
    }
    const QString unknown = unknownKey(user, { "token", "tokenFile", "extensions" });
    if (!unknown.isEmpty())
        return QStringLiteral("%1 sets %2, which Hanzo KMS does not understand; remove it.")
            .arg(who, escapeControls(unknown));
    if (user["token"] && user["tokenFile"])
        return QStringLiteral("%1 sets both token and tokenFile; keep one.").arg(who);
    return {};
}

} // namespace

std::optional<Kubeconfig> Kubeconfig::load(const QString &path, QString *error)
{
    const BoundedRead read = BoundedRead::fromFile(path, MaxFileBytes);
    QString problem;
    if (read.status == BoundedRead::Status::TooLarge)
        problem = QStringLiteral("The kubeconfig %1 is larger than %2, which no kubeconfig is.")
                      .arg(escapeControls(path), describeSize(MaxFileBytes));
    else if (!read.ok())
        problem = QStringLiteral("The kubeconfig %1 cannot be read: %2.")
                      .arg(quoted(path), escapeControls(read.error));
    else if (read.data.trimmed().isEmpty())
        problem = QStringLiteral("The kubeconfig %1 is empty.").arg(escapeControls(path));
    if (!problem.isEmpty()) {
        if (error)
            *error = problem;
        return std::nullopt;
    }
    auto config = parse(read.data, QFileInfo(path).absolutePath(), error);
    if (config)
        config->m_source = path;
    else if (error)
        *error = QStringLiteral("The kubeconfig %1 is not usable: %2").arg(quoted(path), *error);
    return config;
}

std::optional<Kubeconfig> Kubeconfig::parse(const QByteArray &yaml, const QString &baseDir, QString *error)
{
    Kubeconfig config;
    if (yaml.size() > MaxFileBytes) {
        if (error)
            *error = QStringLiteral("it is larger than %1, which no kubeconfig is.")
                         .arg(describeSize(MaxFileBytes));
        return std::nullopt;
    }
    config.m_yaml = yaml;
    config.m_baseDir = baseDir;
    try {
        const YAML::Node root = YAML::Load(yaml.toStdString());
        if (!root.IsMap()) {
            if (error)
                *error = QStringLiteral("it is not a YAML mapping.");
            return std::nullopt;
        }
        const YAML::Node contexts = root["contexts"];
        if (contexts && contexts.IsSequence()) {
            for (const YAML::Node &c : contexts) {
                if (c.IsMap())
                    config.m_contexts << str(c["name"]);
            }
        }
        config.m_current = str(root["current-context"]);
    } catch (const YAML::Exception &e) {
        if (error)
            *error = QStringLiteral("invalid YAML at line %1: %2.")
                         .arg(e.mark.line + 1)
                         .arg(escapeControls(QString::fromStdString(e.msg)));
        return std::nullopt;
    }
    if (config.m_contexts.isEmpty()) {
        if (error)
            *error = QStringLiteral("it has no contexts.");
        return std::nullopt;
    }
    return config;
}

std::optional<KubeconfigContext> Kubeconfig::context(const QString &requested, QString *error) const
{
    auto fail = [error](const QString &why) -> std::optional<KubeconfigContext> {
        if (error)
            *error = why;
        return std::nullopt;
    };
    const auto names = [this] {
        QStringList escaped;
        for (const QString &c : m_contexts)
            escaped << escapeControls(c);
        return escaped.join(QStringLiteral(", "));
    };
    const QString name = requested.isEmpty() ? m_current : requested;
    if (name.isEmpty())
        return fail(QStringLiteral("The kubeconfig has no current context; choose one of: %1.").arg(names()));
    if (!m_contexts.contains(name))
        return fail(
            QStringLiteral("The kubeconfig has no context %1; it has: %2.").arg(quoted(name), names()));
    try {
        const YAML::Node root = YAML::Load(m_yaml.toStdString());
        const YAML::Node ctx = findNamed(root["contexts"], name, "context");
        KubeconfigContext out;
        out.contextName = name;
        out.clusterName = str(ctx["cluster"]);
        out.userName = str(ctx["user"]);
        out.namespaceName = str(ctx["namespace"]);
        const YAML::Node cluster = findNamed(root["clusters"], out.clusterName, "cluster");
        if (!cluster || !cluster.IsMap())
            return fail(
                QStringLiteral("The context %1 names cluster %2, which the kubeconfig does not define.")
                    .arg(quoted(name), quoted(out.clusterName)));
        if (const QString refused = refusedClusterField(cluster, out.clusterName); !refused.isEmpty())
            return fail(refused);
        out.server = str(cluster["server"]);
        if (out.server.isEmpty())
            return fail(QStringLiteral("The cluster %1 has no server URL.").arg(quoted(out.clusterName)));
        out.insecureSkipTlsVerify
            = cluster["insecure-skip-tls-verify"] && cluster["insecure-skip-tls-verify"].as<bool>(false);
        if (const QString data = str(cluster["certificate-authority-data"]); !data.isEmpty()) {
            const auto pem
                = QByteArray::fromBase64Encoding(data.toLatin1(), QByteArray::AbortOnBase64DecodingErrors);
            if (!pem)
                return fail(
                    QStringLiteral("The cluster %1 has certificate-authority-data that is not base64.")
                        .arg(quoted(out.clusterName)));
            out.caPem = *pem;
        } else if (const QString file = str(cluster["certificate-authority"]); !file.isEmpty()) {
            const QString path = fullPath(file, m_baseDir);
            const BoundedRead read = BoundedRead::fromFile(path, DynamicSecret::MaxCaCertificateBytes);
            if (!read.ok())
                return fail(QStringLiteral("The certificate-authority of cluster %1 cannot be used: %2.")
                                .arg(quoted(out.clusterName), read.problem(path)));
            if (read.data.trimmed().isEmpty())
                return fail(QStringLiteral("The certificate-authority of cluster %1, %2, is empty.")
                                .arg(quoted(out.clusterName), escapeControls(path)));
            out.caPem = read.data;
        }
        if (out.caPem.size() > DynamicSecret::MaxCaCertificateBytes)
            return fail(
                QStringLiteral("The certificate authority of cluster %1 is larger than %2.")
                    .arg(quoted(out.clusterName), describeSize(DynamicSecret::MaxCaCertificateBytes)));
        const YAML::Node user = findNamed(root["users"], out.userName, "user");
        if (!user || !user.IsMap())
            return fail(QStringLiteral("The context %1 names user %2, which the kubeconfig does not define.")
                            .arg(quoted(name), quoted(out.userName)));
        if (const QString refused = refusedUserField(user, out.userName); !refused.isEmpty())
            return fail(refused);
        const QString who = quoted(out.userName);
        if (const YAML::Node token = user["token"]) {
            if (!token.IsScalar())
                return fail(QStringLiteral("The token of user %1 is not a string.").arg(who));
            out.token = QByteArray::fromStdString(token.Scalar());
            if (const QString problem = BearerToken::problem(out.token); !problem.isEmpty()) {
                out.token.fill('\0');
                return fail(QStringLiteral("The token of user %1 %2.").arg(who, problem));
            }
        } else if (const QString file = str(user["tokenFile"]); !file.isEmpty()) {
            const QString path = fullPath(file, m_baseDir);
            BoundedRead read = BoundedRead::fromFile(path, BearerToken::MaxFileBytes);
            if (!read.ok())
                return fail(QStringLiteral("The tokenFile of user %1 cannot be used: %2.")
                                .arg(who, read.problem(path)));
            out.token = read.data.trimmed();
            read.data.fill('\0');
            if (const QString problem = BearerToken::problem(out.token); !problem.isEmpty()) {
                out.token.fill('\0');
                return fail(QStringLiteral("The token in the tokenFile of user %1, %2, %3.")
                                .arg(who, escapeControls(path), problem));
            }
        } else {
            return fail(QStringLiteral("The user %1 has no token.").arg(who));
        }
        return out;
    } catch (const YAML::Exception &e) {
        return fail(QStringLiteral("The kubeconfig is not valid YAML: %1.")
                        .arg(escapeControls(QString::fromStdString(e.msg))));
    }
}

QByteArray Kubeconfig::write(const QString &name, const QString &server, const QByteArray &caPem,
    bool insecureSkipTlsVerify, const QByteArray &token, const QString &namespaceName)
{
    const std::string n = name.toStdString();
    YAML::Emitter out;
    out << YAML::BeginMap;
    out << YAML::Key << "apiVersion" << YAML::Value << "v1";
    out << YAML::Key << "kind" << YAML::Value << "Config";
    out << YAML::Key << "clusters" << YAML::Value << YAML::BeginSeq << YAML::BeginMap;
    out << YAML::Key << "name" << YAML::Value << n;
    out << YAML::Key << "cluster" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "server" << YAML::Value << server.toStdString();
    if (!caPem.isEmpty())
        out << YAML::Key << "certificate-authority-data" << YAML::Value << caPem.toBase64().toStdString();
    if (insecureSkipTlsVerify)
        out << YAML::Key << "insecure-skip-tls-verify" << YAML::Value << true;
    out << YAML::EndMap << YAML::EndMap << YAML::EndSeq;
    out << YAML::Key << "users" << YAML::Value << YAML::BeginSeq << YAML::BeginMap;
    out << YAML::Key << "name" << YAML::Value << n;
    out << YAML::Key << "user" << YAML::Value << YAML::BeginMap << YAML::Key << "token" << YAML::Value
        << token.toStdString() << YAML::EndMap;
    out << YAML::EndMap << YAML::EndSeq;
    out << YAML::Key << "contexts" << YAML::Value << YAML::BeginSeq << YAML::BeginMap;
    out << YAML::Key << "name" << YAML::Value << n;
    out << YAML::Key << "context" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "cluster" << YAML::Value << n << YAML::Key << "user" << YAML::Value << n;
    if (!namespaceName.isEmpty())
        out << YAML::Key << "namespace" << YAML::Value << namespaceName.toStdString();
    out << YAML::EndMap << YAML::EndMap << YAML::EndSeq;
    out << YAML::Key << "current-context" << YAML::Value << n;
    out << YAML::EndMap;
    return QByteArray(out.c_str()) + '\n';
}

} // namespace kms
