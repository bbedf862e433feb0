/* SPDX-License-Identifier: MIT */
/*
 * Command lanes: the producer token tw_cmd_lane_pop reports for a command
 * must be the token of the producer that pushed it.
 *
 * The engine answers every command in the exec journal with (producer token,
 * command_id), and a producer waits for the answer carrying its own pair
 * (command ids are unique per token only). A lane changes owner while
 * commands are still in it whenever a producer releases its lane after a
 * submit (fire and forget) or dies and its lane is reclaimed: the commands
 * are still consumed ("commands already in it are still consumed", shm.h).
 * If pop reports the lane's owner at pop time, the old producer's command is
 * answered under the new producer's token: the old producer never gets its
 * answer, and the new one gets an answer for a command it did not send -
 * with a command_id it may well use itself.
 *
 * (a) release: X pushes #1 and releases; Y claims the same lane and pushes
 *     its own #1; the consumer pops both.
 * (b) death: a forked child claims, pushes #1 and exits without releasing;
 *     after it is reaped the parent reclaims the lane and pushes #1.
 * In both, the first pop must name X (the child), the second Y (the parent).
 *
 * usage: cmd_owner
 */
#include "cstress.h"

static void command(uint64_t id, tw_command_t *c)
{
    memset(c, 0, sizeof(*c));
    c->command_id = id;
    c->op = TW_CMD_NEW;
    c->side = TW_SIDE_BUY;
    c->order_type = TW_ORDER_LIMIT;
    c->tif = TW_TIF_GTC;
    c->price = 100;
    c->quantity = 1;
}

/* Pops the lane's two commands and checks the tokens they are reported under. */
static void check_two(const char *what, void *seg, uint32_t lane, uint64_t first, uint64_t second)
{
    tw_slot_header_t h;
    tw_command_t c;
    uint64_t owner1 = 0, owner2 = 0;
    CHECK_RC(tw_cmd_lane_pop(seg, lane, &h, &c, &owner1), 1);
    CHECK_RC(tw_cmd_lane_pop(seg, lane, &h, &c, &owner2), 1);
    if (owner1 != first)
        FAIL("%s: the first producer's command #1 is reported under token %016" PRIx64 " (the lane's NEW owner), "
             "not its producer's %016" PRIx64 ": the engine would answer it as the new producer's #1, and the "
             "first producer would wait for an answer that never comes. tw_cmd_lane_pop (writer.h) takes *owner "
             "from the lane's owner word at pop time; it should come from the slot, written by "
             "tw_cmd_lane_push (e.g. store the token in the slot header's first word instead of tail).",
             what, owner1, first);
    CHECK(owner2 == second, "%s: the second producer's command reported under %016" PRIx64 ", want %016" PRIx64, what,
          owner2, second);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    cs_setup_dir("owner");
    tw_shm_t s;
    cs_make_cmd("owner", 1, 8, 5, &s);
    void *b = s.base;
    tw_command_t c;
    uint32_t lx, ly;
    uint64_t tx, ty;

    /* (a) release after submit */
    CHECK_RC(tw_cmd_lane_claim(b, &lx, &tx), 0);
    command(1, &c);
    CHECK_RC(tw_cmd_lane_push(b, lx, tx, 5, &c), 0);
    tw_cmd_lane_release(b, lx, tx);
    CHECK_RC(tw_cmd_lane_claim(b, &ly, &ty), 0);
    CHECK(ly == lx && ty != tx, "the second claim got lane %u token %" PRIx64, ly, ty);
    CHECK_RC(tw_cmd_lane_push(b, ly, ty, 5, &c), 0);
    check_two("(a) release", b, lx, tx, ty);
    tw_cmd_lane_release(b, ly, ty);

    /* (b) death without release */
    int pipefd[2];
    CHECK(pipe(pipefd) == 0, "pipe: %s", strerror(errno));
    fflush(stdout);
    pid_t kid = fork();
    CHECK(kid >= 0, "fork: %s", strerror(errno));
    if (kid == 0) {
        uint32_t lane;
        uint64_t token;
        if (tw_cmd_lane_claim(b, &lane, &token) != 0 || tw_cmd_lane_push(b, lane, token, 5, &c) != 0)
            _exit(3);
        if (write(pipefd[1], &token, sizeof(token)) != (ssize_t)sizeof(token))
            _exit(4);
        _exit(0);
    }
    uint64_t tk = 0;
    int st;
    CHECK(read(pipefd[0], &tk, sizeof(tk)) == (ssize_t)sizeof(tk), "child did not report its token");
    CHECK(waitpid(kid, &st, 0) == kid && WIFEXITED(st) && WEXITSTATUS(st) == 0, "child failed");
    CHECK_RC(tw_cmd_lane_claim(b, &ly, &ty), 0);
    CHECK(tw_cmd_of(b)->lanes_reclaimed == 1, "lanes_reclaimed %" PRIu64, tw_cmd_of(b)->lanes_reclaimed);
    CHECK_RC(tw_cmd_lane_push(b, ly, ty, 5, &c), 0);
    check_two("(b) reclaim", b, ly, tk, ty);
    tw_shm_detach(&s);
    printf("cmd_owner: a command popped after its lane changed owner (release; death + reclaim) is reported "
           "under the token of the producer that pushed it\n");
    return 0;
}
