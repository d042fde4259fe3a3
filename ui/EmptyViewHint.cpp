#include "EmptyViewHint.h"

#include <QAbstractItemView>
#include <QEvent>

namespace kms::ui {

EmptyViewHint::EmptyViewHint(QAbstractItemView *view, std::function<QString()> text)
    : QLabel(view->viewport())
    , m_view(view)
    , m_text(std::move(text))
{
    setObjectName(view->objectName() + QStringLiteral("EmptyHint"));
    setAlignment(Qt::AlignCenter);
    setWordWrap(true);
    setTextFormat(Qt::PlainText);
    QPalette pal = palette();
    pal.setColor(QPalette::WindowText, pal.color(QPalette::PlaceholderText));
    setPalette(pal);
    view->viewport()->installEventFilter(this);
    QAbstractItemModel *model = view->model();
    for (auto signal : { &QAbstractItemModel::rowsInserted, &QAbstractItemModel::rowsRemoved })
        connect(model, signal, this, &EmptyViewHint::refresh);
    connect(model, &QAbstractItemModel::modelReset, this, &EmptyViewHint::refresh);
    connect(model, &QAbstractItemModel::layoutChanged, this, &EmptyViewHint::refresh);
    refresh();
}

void EmptyViewHint::refresh()
{
    const bool empty = m_view->model()->rowCount() == 0;
    const QString text = empty ? m_text() : QString();
    setText(text);
    setAccessibleName(text);
    setVisible(!text.isEmpty());
    place();
}

void EmptyViewHint::place()
{
    const QRect area = m_view->viewport()->rect();
    const int width = std::min(area.width() - 24, 520);
    const int height = heightForWidth(width) > 0 ? heightForWidth(width) : sizeHint().height();
    setGeometry(area.center().x() - width / 2, std::max(12, area.height() / 3 - height / 2), width, height);
}

bool EmptyViewHint::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_view->viewport() && event->type() == QEvent::Resize)
        place();
    return QLabel::eventFilter(watched, event);
}

} // namespace kms::ui
