# (bbh) bb-overlap's members after the stock kernel refused vda ("does not have a valid v1.2
# superblock, not importing!"), repaired on the host by llbitmap-repair (bb-hit-repaired.prepare):
# the array must assemble with both members, vda imported, and md must accept the moved log.
# DISKS=2
# SIZE=512M
# FROM=bb-hit-fixed
# XXD_LEN=16384
MEMBERS="/dev/vda /dev/vdb"
mdadm -E /dev/vda
mdadm --assemble /dev/md0 /dev/vda /dev/vdb
sleep 1
cat /proc/mdstat
if [ -e /sys/block/md0/md/dev-vda ]; then
  echo "--- bad_blocks vda after reassembly"; cat /sys/block/md0/md/dev-vda/bad_blocks
  echo "--- bad_blocks vdb after reassembly"; cat /sys/block/md0/md/dev-vdb/bad_blocks
  waitsync
  ondisk
  dd if=/dev/urandom of=/dev/md0 bs=64k count=1 seek=3100 oflag=direct
  sleep 3
  dump after-reassemble
  mdadm --stop /dev/md0
  mdadm --assemble /dev/md0 /dev/vda /dev/vdb
  sleep 1
  cat /proc/mdstat
  [ -e /sys/block/md0/md/dev-vda ] && echo "--- vda imported again"
  waitsync
  mdadm --stop /dev/md0
else
  echo "--- vda was not imported"
  mdadm --stop /dev/md0 2>/dev/null
fi
