#pragma once

#include <QPersistentModelIndex>
#include <QStyledItemDelegate>

namespace kms::ui {

// Draws a "Generate" button in the actions column of the row under the mouse
// (and of the current row while the view has focus), as the dashboard does on
// hover; a click on it emits generateRequested.
class GenerateButtonDelegate : public QStyledItemDelegate {
    Q_OBJECT
public:
    explicit GenerateButtonDelegate(QAbstractItemView *view);

    QRect buttonRect(const QRect &cell) const;
    QPersistentModelIndex hoveredIndex() const { return m_hovered; }

    void paint(
        QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;
    bool editorEvent(QEvent *event, QAbstractItemModel *model, const QStyleOptionViewItem &option,
        const QModelIndex &index) override;
    bool eventFilter(QObject *watched, QEvent *event) override;

signals:
    void generateRequested(const QModelIndex &index);

private:
    bool showsButton(const QModelIndex &index) const;

    QAbstractItemView *m_view;
    // The viewport the filter watches: compared and repainted directly, because it
    // still receives events (Leave, Hide) while the view around it is being destroyed.
    QWidget *m_viewport;
    QPersistentModelIndex m_hovered; // any column of the hovered row
    bool m_pressed = false;
};

} // namespace kms::ui
