/* life: Conway's game of life on an 80x24 torus, one text frame per generation, numbered. */
#include <cairn/user.h>

/*
 * A frame is a line "life: generation G, C cells" and the 24 rows of the
 * board, '#' for a live cell and '.' for a dead one. The board is ordinary
 * memory: after a power cut the program resumes from the last checkpoint and
 * the generations go on from there (output commit shows each frame once).
 * Generation 0 is a soup from random_seed(LIFE_SEED), cell (x, y) alive when
 * random_below(4) == 0 in row-major order; tests/qemu/test_demos.py replays
 * it. argv[1]: generations (default 0: forever); argv[2]: ms between frames
 * (default 500).
 *
 * The VGA mirror wraps a full 80-column row by itself, so there each row is
 * followed by an empty line; the serial console shows the board as it is.
 */
enum { LIFE_COLUMNS = 80, LIFE_ROWS = 24, LIFE_SEED = 1970, DEFAULT_PERIOD_MS = 500 };

static uint8_t boards[2][LIFE_ROWS][LIFE_COLUMNS];

static uint32_t life_neighbours(uint8_t (*board)[LIFE_COLUMNS], int row, int column)
{
    uint32_t count = 0;
    for (int dy = -1; dy <= 1; dy++)
        for (int dx = -1; dx <= 1; dx++)
            if (dx || dy)
                count += board[(row + dy + LIFE_ROWS) % LIFE_ROWS]
                              [(column + dx + LIFE_COLUMNS) % LIFE_COLUMNS];
    return count;
}

static void life_step(uint8_t (*from)[LIFE_COLUMNS], uint8_t (*to)[LIFE_COLUMNS])
{
    for (int row = 0; row < LIFE_ROWS; row++) {
        for (int column = 0; column < LIFE_COLUMNS; column++) {
            uint32_t neighbours = life_neighbours(from, row, column);
            to[row][column] = neighbours == 3 || (neighbours == 2 && from[row][column]);
        }
    }
}

/* One console write per row, so that a row never shares a line with another program's. */
static void life_print(uint8_t (*board)[LIFE_COLUMNS], uint32_t generation)
{
    uint32_t cells = 0;
    for (int row = 0; row < LIFE_ROWS; row++)
        for (int column = 0; column < LIFE_COLUMNS; column++)
            cells += board[row][column];
    printf("life: generation %u, %u cells\n", generation, cells);
    for (int row = 0; row < LIFE_ROWS; row++) {
        char line[LIFE_COLUMNS + 1];
        for (int column = 0; column < LIFE_COLUMNS; column++)
            line[column] = board[row][column] ? '#' : '.';
        line[LIFE_COLUMNS] = '\n';
        cairn_console_write(line, sizeof line);
    }
}

int main(int argc, char **argv)
{
    uint32_t generations = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 0) : 0;
    uint32_t period_ms = argc > 2 ? (uint32_t)strtoul(argv[2], NULL, 0) : DEFAULT_PERIOD_MS;
    random_seed(LIFE_SEED);
    for (int row = 0; row < LIFE_ROWS; row++)
        for (int column = 0; column < LIFE_COLUMNS; column++)
            boards[0][row][column] = random_below(4) == 0;
    uint64_t start = clock_now_ns();
    for (uint32_t generation = 0;; generation++) {
        life_print(boards[generation % 2], generation);
        if (generation + 1 == generations)
            return 0;
        life_step(boards[generation % 2], boards[(generation + 1) % 2]);
        /* Absolute deadlines, as counter: a late frame does not delay the ones after it. */
        cairn_sleep_until(start + (uint64_t)(generation + 1) * period_ms * NS_PER_MS);
    }
}
