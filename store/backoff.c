/* Capped exponential backoff with jitter: see store/backoff.h. */
#include "store/backoff.h"

#include "random.h"
#include "util.h"

int fs_backoff_failed(struct fs_backoff *b, long long now_ms)
{
    if (!b->failures++) {
        b->since_ms = now_ms;
    }
    b->delay_ms = b->delay_ms ? MIN(b->delay_ms * 2, b->max_ms)
                              : MIN(b->first_ms, b->max_ms);
    int wait = b->no_jitter
                   ? b->delay_ms
                   : b->delay_ms / 2 + random_range(b->delay_ms / 2 + 1);
    wait = MAX(wait, 1);
    b->next_ms = now_ms + wait;
    return wait;
}

bool fs_backoff_succeeded(struct fs_backoff *b)
{
    bool was_failing = b->failures > 0;
    b->delay_ms = 0;
    b->failures = 0;
    b->since_ms = 0;
    b->next_ms = 0;
    return was_failing;
}

void fs_backoff_retry_now(struct fs_backoff *b)
{
    b->next_ms = 0;
}

bool fs_backoff_failing(const struct fs_backoff *b)
{
    return b->failures > 0;
}

bool fs_backoff_ready(const struct fs_backoff *b, long long now_ms)
{
    return now_ms >= b->next_ms;
}

long long fs_backoff_failing_ms(const struct fs_backoff *b, long long now_ms)
{
    return b->failures ? now_ms - b->since_ms : 0;
}
