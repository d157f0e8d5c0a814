/*
 * The cut= option: a power cut on purpose, at a point of the release of held
 * output that a killed QEMU could hit only by chance. kernel/output_commit.c
 * passes the points as it releases; here they are matched against the option.
 */
#include <arch/platform.h>
#include <kernel/config.h>
#include <kernel/cut.h>
#include <kernel/klog.h>
#include <kernel/panic.h>
#include <kernel/string.h>

/* The names of enum cut_point from CUT_DURABLE on, as the option spells them. */
static const char *const cut_names[] = { "durable", "line", "recorded", "frames" };
enum { CUT_NAMES = sizeof(cut_names) / sizeof(cut_names[0]) };

static struct {
    enum cut_point where;           /* CUT_NONE: no cut this boot */
    uint32_t at;                    /* N: the checkpoint holding output whose release is cut */
    uint32_t seen;                  /* checkpoints holding output (frames, for CUT_FRAMES) that
                                       became durable this boot */
    int armed;                      /* the release under way is the Nth's, its first batch */
} cut;

void cut_parse_option(void)
{
    if (!config.cut[0])
        return;
    const char *colon = strchr(config.cut, ':');
    for (uint32_t i = 0; colon && i < CUT_NAMES; i++)
        if (strlen(cut_names[i]) == (size_t)(colon - config.cut) &&
            memcmp(cut_names[i], config.cut, strlen(cut_names[i])) == 0)
            cut.where = (enum cut_point)(CUT_DURABLE + i);
    uint32_t n = 0;
    const char *digit = colon ? colon + 1 : "";
    while (*digit >= '0' && *digit <= '9' && n < 100000)
        n = n * 10 + (uint32_t)(*digit++ - '0');
    if (cut.where == CUT_NONE || n == 0 || *digit) {
        klog(KLOG_WARNING, "option 'cut': '%s' is not WHERE:N (WHERE durable, line or "
             "recorded, or frames; N from 1); ignored", config.cut);
        cut.where = CUT_NONE;
        return;
    }
    cut.at = n;
    klog(KLOG_INFO, "cut=%s: this boot stops at that point, as a power cut would", config.cut);
}

void cut_arm(int holding, int holding_frames)
{
    if (cut.where == CUT_FRAMES ? holding_frames : holding)
        cut.armed = ++cut.seen == cut.at;
}

void cut_disarm(void)
{
    cut.armed = 0;
}

int cut_armed_for(enum cut_point where)
{
    return cut.armed && cut.where == where;
}

/* QEMU exits with every write made so far in the image, as after a power cut. */
void cut_here(enum cut_point where)
{
    if (!cut_armed_for(where))
        return;
    klog(KLOG_INFO, "cut=%s:%u: stopping here, as a power cut would",
         cut_names[where - CUT_DURABLE], cut.at);
    platform_exit(EXIT_CUT);
}
