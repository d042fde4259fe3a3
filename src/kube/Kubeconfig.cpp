#include "kube/Kubeconfig.h"

#include <QDir>
#include <QFile>
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

QByteArray readFile(const QString &path, const QString &baseDir, QString *error, const QString &what)
{
    const QString full = QFileInfo(path).isRelative() ? QDir(baseDir).filePath(path) : path;
    QFile f(full);
    if (!f.open(QIODevice::ReadOnly)) {
        if (error)
            *error = QStringLiteral("The kubeconfig's %1 file \"%2\" cannot be read: %3.")
                         .arg(what, full, f.errorString());
        return {};
    }
    return f.readAll();
}

} // namespace

std::optional<Kubeconfig> Kubeconfig::load(const QString &path, QString *error)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        if (error)
            *error = QStringLiteral("The kubeconfig \"%1\" cannot be read: %2.").arg(path, f.errorString());
        return std::nullopt;
    }
    auto config = parse(f.readAll(), QFileInfo(path).absolutePath(), error);
    if (config)
        config->m_source = path;
    else if (error)
        *error = QStringLiteral("The kubeconfig \"%1\" is not usable: %2").arg(path, *error);
    return config;
}

std::optional<Kubeconfig> Kubeconfig::parse(const QByteArray &yaml, const QString &baseDir, QString *error)
{
    Kubeconfig config;
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
                         .arg(QString::fromStdString(e.msg));
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
    const QString name = requested.isEmpty() ? m_current : requested;
    if (name.isEmpty())
        return fail(QStringLiteral("The kubeconfig has no current context; choose one of: %1.")
                        .arg(m_contexts.join(QStringLiteral(", "))));
    if (!m_contexts.contains(name))
        return fail(QStringLiteral("The kubeconfig has no context \"%1\"; it has: %2.")
                        .arg(name, m_contexts.join(QStringLiteral(", "))));
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
            return fail(QStringLiteral(
                "The context \"%1\" names cluster \"%2\", which the kubeconfig does not define.")
                            .arg(name, out.clusterName));
        out.server = str(cluster["server"]);
        if (out.server.isEmpty())
            return fail(QStringLiteral("The cluster \"%1\" has no server URL.").arg(out.clusterName));
        out.insecureSkipTlsVerify
            = cluster["insecure-skip-tls-verify"] && cluster["insecure-skip-tls-verify"].as<bool>(false);
        if (const QString data = str(cluster["certificate-authority-data"]); !data.isEmpty()) {
            const auto pem
                = QByteArray::fromBase64Encoding(data.toLatin1(), QByteArray::AbortOnBase64DecodingErrors);
            if (!pem)
                return fail(
                    QStringLiteral("The cluster \"%1\" has certificate-authority-data that is not base64.")
                        .arg(out.clusterName));
            out.caPem = *pem;
        } else if (const QString file = str(cluster["certificate-authority"]); !file.isEmpty()) {
            QString readError;
            out.caPem = readFile(file, m_baseDir, &readError, QStringLiteral("certificate-authority"));
            if (out.caPem.isEmpty())
                return fail(readError);
        }
        const YAML::Node user = findNamed(root["users"], out.userName, "user");
        if (!user || !user.IsMap())
            return fail(
                QStringLiteral("The context \"%1\" names user \"%2\", which the kubeconfig does not define.")
                    .arg(name, out.userName));
        if (const QString token = str(user["token"]); !token.isEmpty()) {
            out.token = token.toUtf8();
        } else if (const QString file = str(user["tokenFile"]); !file.isEmpty()) {
            QString readError;
            out.token = readFile(file, m_baseDir, &readError, QStringLiteral("tokenFile")).trimmed();
            if (out.token.isEmpty())
                return fail(readError.isEmpty()
                        ? QStringLiteral("The user \"%1\"'s tokenFile is empty.").arg(out.userName)
                        : readError);
        } else if (user["exec"] || user["auth-provider"]) {
            return fail(QStringLiteral(
                "The user \"%1\" gets its credentials from a plugin (exec/auth-provider); a dynamic secret "
                "needs a service account token. Create one as the setup guide shows and use --token-file.")
                            .arg(out.userName));
        } else if (user["client-certificate-data"] || user["client-certificate"]) {
            return fail(QStringLiteral(
                "The user \"%1\" authenticates with a client certificate; a dynamic secret needs a service "
                "account token. Create one as the setup guide shows and use --token-file.")
                            .arg(out.userName));
        } else {
            return fail(QStringLiteral("The user \"%1\" has no token.").arg(out.userName));
        }
        return out;
    } catch (const YAML::Exception &e) {
        return fail(
            QStringLiteral("The kubeconfig is not valid YAML: %1.").arg(QString::fromStdString(e.msg)));
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
