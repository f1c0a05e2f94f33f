// mimalloc (Debian libmimalloc-dev): linked into the revisit executable, it replaces malloc
// and free for the whole process, librdkafka's allocations included.
#include <mimalloc.h>
