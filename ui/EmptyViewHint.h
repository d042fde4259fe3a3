#pragma once

#include <QLabel>

#include <functional>

class QAbstractItemView;

namespace kms::ui {

// A sentence in the middle of an empty list or table that says why it is
// empty and what to do ("No leases of ci yet. New Lease... issues a token.").
// It follows the view's model (rows added, removed, reset, filtered) and its
// size; text() is asked each time, so it can depend on a filter or a selection.
class EmptyViewHint : public QLabel {
    Q_OBJECT
public:
    EmptyViewHint(QAbstractItemView *view, std::function<QString()> text);

    // Shows or hides the hint for the model's current rows and text.
    void refresh();

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void place();

    QAbstractItemView *m_view;
    std::function<QString()> m_text;
};

} // namespace kms::ui
