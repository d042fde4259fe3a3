#include "core/Clock.h"

namespace kms {

Clock *Clock::system()
{
    static Clock clock;
    return &clock;
}

} // namespace kms
