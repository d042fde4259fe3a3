#pragma once

#include <QWidget>

class QPushButton;

namespace kms::ui {

// The first page of Add Dynamic Secret: which kind of system the secret is
// for. Kubernetes is the one this app provides.
class ProviderPicker : public QWidget {
    Q_OBJECT
public:
    explicit ProviderPicker(QWidget *parent = nullptr);

    QPushButton *kubernetesButton() const { return m_kubernetes; }

signals:
    void providerChosen(const QString &provider);

private:
    QPushButton *m_kubernetes;
};

} // namespace kms::ui
