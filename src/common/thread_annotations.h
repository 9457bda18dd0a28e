// Lock discipline written in the code and checked by the compiler: Clang's thread
// safety analysis (-Wthread-safety, on in every Clang build) proves that a member
// marked GUARDED_BY(mutex_) is only touched with mutex_ held, and that a function
// marked REQUIRES(mutex_) is only called with it held. Other compilers see plain code.
//
// libstdc++'s std::mutex carries no annotations, so the analysis needs the small
// Mutex and MutexLock below; they cost nothing over std::mutex and std::lock_guard.
// Condition variables wait on MutexLock::native(); a predicate that reads guarded
// members says so: `cv.wait(lock.native(), [this]() REQUIRES(mutex_) { ... })`.
//
// Thread safety: Mutex is a mutex; a MutexLock belongs to the thread that made it.
#pragma once

#include <mutex>

#if defined(__clang__)
#define SMSGATE_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define SMSGATE_THREAD_ANNOTATION(x)
#endif

#define CAPABILITY(x) SMSGATE_THREAD_ANNOTATION(capability(x))
#define SCOPED_CAPABILITY SMSGATE_THREAD_ANNOTATION(scoped_lockable)
#define GUARDED_BY(x) SMSGATE_THREAD_ANNOTATION(guarded_by(x))
#define PT_GUARDED_BY(x) SMSGATE_THREAD_ANNOTATION(pt_guarded_by(x))
#define REQUIRES(...) SMSGATE_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define EXCLUDES(...) SMSGATE_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define ACQUIRE(...) SMSGATE_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define RELEASE(...) SMSGATE_THREAD_ANNOTATION(release_capability(__VA_ARGS__))

namespace smsgate {

class CAPABILITY("mutex") Mutex {
 public:
  void lock() ACQUIRE() { mutex_.lock(); }
  void unlock() RELEASE() { mutex_.unlock(); }
  std::mutex& native() { return mutex_; }

 private:
  std::mutex mutex_;
};

// Holds a Mutex for its scope, like std::unique_lock: it may be released early and
// taken again, and condition variables wait on native().
class SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mutex) ACQUIRE(mutex) : lock_(mutex.native()) {}
  ~MutexLock() RELEASE() {}
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

  void unlock() RELEASE() { lock_.unlock(); }
  void lock() ACQUIRE() { lock_.lock(); }
  std::unique_lock<std::mutex>& native() { return lock_; }

 private:
  std::unique_lock<std::mutex> lock_;
};

}  // namespace smsgate
