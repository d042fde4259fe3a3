#include "ProviderPicker.h"

#include <QGridLayout>
#include <QIcon>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

namespace kms::ui {

ProviderPicker::ProviderPicker(QWidget *parent)
    : QWidget(parent)
{
    auto *layout = new QVBoxLayout(this);
    auto *title = new QLabel(tr("Select a provider for the dynamic secret."), this);
    title->setWordWrap(true);
    layout->addWidget(title);

    auto *grid = new QGridLayout;
    m_kubernetes
        = new QPushButton(QIcon(QStringLiteral(":/icons/ai.hanzo.KmsDesktop.png")), tr("Kubernetes"), this);
    m_kubernetes->setObjectName(QStringLiteral("providerKubernetes"));
    m_kubernetes->setIconSize(QSize(48, 48));
    m_kubernetes->setMinimumSize(QSize(200, 96));
    m_kubernetes->setToolTip(tr("Short-lived service account tokens for a Kubernetes cluster"));
    m_kubernetes->setAccessibleName(tr("Kubernetes provider"));
    m_kubernetes->setAccessibleDescription(m_kubernetes->toolTip());
    m_kubernetes->setDefault(true);
    grid->addWidget(m_kubernetes, 0, 0);
    grid->setColumnStretch(1, 1);
    layout->addLayout(grid);
    layout->addStretch(1);

    connect(m_kubernetes, &QPushButton::clicked, this,
        [this] { emit providerChosen(QStringLiteral("kubernetes")); });
}

} // namespace kms::ui
