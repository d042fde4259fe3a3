#include "GenerateButtonDelegate.h"

#include <QAbstractItemView>
#include <QApplication>
#include <QMouseEvent>
#include <QPainter>

namespace kms::ui {

GenerateButtonDelegate::GenerateButtonDelegate(QAbstractItemView *view)
    : QStyledItemDelegate(view)
    , m_view(view)
    , m_viewport(view->viewport())
{
    view->setMouseTracking(true);
    view->viewport()->installEventFilter(this);
}

QRect GenerateButtonDelegate::buttonRect(const QRect &cell) const
{
    const QFontMetrics fm(m_view->font());
    const int width = fm.horizontalAdvance(tr("Generate")) + 24;
    const int height = std::min(cell.height() - 2, fm.height() + 8);
    return QRect(cell.right() - width - 4, cell.center().y() - height / 2, width, height);
}

bool GenerateButtonDelegate::showsButton(const QModelIndex &index) const
{
    if (m_hovered.isValid() && m_hovered.row() == index.row())
        return true;
    return m_view->hasFocus() && m_view->currentIndex().isValid()
        && m_view->currentIndex().row() == index.row();
}

void GenerateButtonDelegate::paint(
    QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    QStyledItemDelegate::paint(painter, option, index);
    if (!showsButton(index))
        return;
    QStyleOptionButton button;
    button.rect = buttonRect(option.rect);
    button.text = tr("Generate");
    button.state = QStyle::State_Enabled | QStyle::State_Raised;
    if (m_pressed && m_hovered.row() == index.row())
        button.state |= QStyle::State_Sunken;
    button.palette = option.palette;
    QStyle *style = m_view->style();
    style->drawControl(QStyle::CE_PushButton, &button, painter, m_view);
}

QSize GenerateButtonDelegate::sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    QSize size = QStyledItemDelegate::sizeHint(option, index);
    const QFontMetrics fm(m_view->font());
    size.setWidth(std::max(size.width(), fm.horizontalAdvance(tr("Generate")) + 36));
    size.setHeight(std::max(size.height(), fm.height() + 12));
    return size;
}

bool GenerateButtonDelegate::editorEvent(
    QEvent *event, QAbstractItemModel *model, const QStyleOptionViewItem &option, const QModelIndex &index)
{
    if (event->type() == QEvent::MouseButtonPress || event->type() == QEvent::MouseButtonRelease) {
        auto *mouse = static_cast<QMouseEvent *>(event);
        const bool onButton = mouse->button() == Qt::LeftButton
            && buttonRect(option.rect).contains(mouse->position().toPoint());
        if (event->type() == QEvent::MouseButtonPress) {
            m_pressed = onButton;
            m_view->viewport()->update(option.rect);
            return false;
        }
        const bool click = m_pressed && onButton;
        m_pressed = false;
        m_view->viewport()->update(option.rect);
        if (click) {
            emit generateRequested(index);
            return true;
        }
    }
    return QStyledItemDelegate::editorEvent(event, model, option, index);
}

bool GenerateButtonDelegate::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_viewport) {
        if (event->type() == QEvent::MouseMove) {
            const QModelIndex index
                = m_view->indexAt(static_cast<QMouseEvent *>(event)->position().toPoint());
            if (index.row() != m_hovered.row() || !m_hovered.isValid() != !index.isValid()) {
                m_hovered = index;
                m_viewport->update();
            }
        } else if (event->type() == QEvent::Leave) {
            m_hovered = QPersistentModelIndex();
            m_viewport->update();
        }
    }
    return QStyledItemDelegate::eventFilter(watched, event);
}

} // namespace kms::ui
