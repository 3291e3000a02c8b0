/* serve_main.c - the avp-server binary: `avp serve` runs it (main.c says
 * why it is a binary of its own) with its own arguments, "avp serve ...";
 * run directly, its arguments are the options alone. */
#include "cli.h"

#include <string.h>
#include <sys/stat.h>

int main(int argc, char **argv)
{
    umask(077); /* what it writes is for AVP's own user alone */
    if (argc >= 2 && !strcmp(argv[1], "serve"))
        return cli_serve(argc - 1, argv + 1);
    return cli_serve(argc, argv);
}
