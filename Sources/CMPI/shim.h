#ifndef SPD_CMPI_SHIM_H
#define SPD_CMPI_SHIM_H
#include <mpi.h>

/* OpenMPI defines its predefined handles as macros over global symbols, which Swift cannot import.
   Each is wrapped in a static inline function so Swift code can name it. */
static inline MPI_Comm spd_mpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Comm spd_mpi_comm_self(void) { return MPI_COMM_SELF; }
static inline MPI_Datatype spd_mpi_float(void) { return MPI_FLOAT; }
static inline MPI_Datatype spd_mpi_double(void) { return MPI_DOUBLE; }
static inline MPI_Datatype spd_mpi_int(void) { return MPI_INT; }
static inline MPI_Datatype spd_mpi_int64(void) { return MPI_INT64_T; }
static inline MPI_Datatype spd_mpi_uint64(void) { return MPI_UINT64_T; }
static inline MPI_Datatype spd_mpi_byte(void) { return MPI_BYTE; }
static inline MPI_Op spd_mpi_sum(void) { return MPI_SUM; }
static inline MPI_Op spd_mpi_max(void) { return MPI_MAX; }
static inline MPI_Op spd_mpi_min(void) { return MPI_MIN; }
static inline MPI_Request spd_mpi_request_null(void) { return MPI_REQUEST_NULL; }
static inline void *spd_mpi_in_place(void) { return MPI_IN_PLACE; }
static inline MPI_Status *spd_mpi_status_ignore(void) { return MPI_STATUS_IGNORE; }
static inline MPI_Errhandler spd_mpi_errors_return(void) { return MPI_ERRORS_RETURN; }
static inline int spd_mpi_success(void) { return MPI_SUCCESS; }
static inline int spd_mpi_max_error_string(void) { return MPI_MAX_ERROR_STRING; }
static inline int spd_mpi_any_source(void) { return MPI_ANY_SOURCE; }
static inline int spd_mpi_any_tag(void) { return MPI_ANY_TAG; }
static inline MPI_Info spd_mpi_info_null(void) { return MPI_INFO_NULL; }
static inline MPI_Win spd_mpi_win_null(void) { return MPI_WIN_NULL; }
static inline MPI_Comm spd_mpi_comm_null(void) { return MPI_COMM_NULL; }
static inline int spd_mpi_comm_type_shared(void) { return MPI_COMM_TYPE_SHARED; }
static inline int spd_mpi_thread_multiple(void) { return MPI_THREAD_MULTIPLE; }
/* Release/acquire counters in shared memory, for the node barrier of the shared-memory reduction. */
#include <stdint.h>
static inline void spd_atomic_store_release(uint64_t *p, uint64_t v) { __atomic_store_n(p, v, __ATOMIC_RELEASE); }
static inline uint64_t spd_atomic_load_acquire(const uint64_t *p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }
#endif
