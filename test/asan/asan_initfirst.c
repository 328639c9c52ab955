/*
 * asan_initfirst.c
 *	  A preload shim for make test-asan: initializes the AddressSanitizer
 *	  runtime before any other library's constructor runs.
 *
 * Preloaded alone, libasan is initialized after the constructors of the
 * server's own libraries; libgpg-error's constructor (pulled in through
 * LDAP and GnuTLS) calls bindtextdomain(), the first malloc() inside it
 * initializes ASan while glibc holds its gettext lock, and every later
 * bindtextdomain() -- PostgreSQL's first one in main() -- waits on that lock
 * forever.  Linked with -z initfirst, this object's constructor runs before
 * all others, so ASan is ready before anyone takes the lock.
 */
extern void __asan_init(void);

/* Runs first of all constructors (DF_1_INITFIRST). */
__attribute__((constructor))
static void
asan_init_first(void)
{
	__asan_init();
}
