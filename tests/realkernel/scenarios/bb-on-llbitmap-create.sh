# (bbc) bb-overlap's steps on members made by llbitmap-create (its prepare step, on the host),
# which puts the bad-block log after the llbitmap's reserved area (bb-after-repair runs the same
# script on mdadm's members after llbitmap-repair moved their log there): the state bytes of chunks
# 3072.. and the recorded bad block must both survive, and the array must assemble again.
# DISKS=2
# SIZE=512M
# FROM=bb-created
# XXD_LEN=16384
MEMBERS="/dev/vda /dev/vdb"
mdadm --assemble /dev/md0 /dev/vda /dev/vdb
waitsync
echo 1 > /sys/block/md0/md/llbitmap/daemon_sleep
cat /sys/block/md0/md/llbitmap/metadata
dd if=/dev/urandom of=/dev/md0 bs=64k count=4 seek=3072 oflag=direct
dd if=/dev/urandom of=/dev/md0 bs=64k count=1 seek=4000 oflag=direct
dd if=/dev/urandom of=/dev/md0 bs=64k count=1 seek=10 oflag=direct
sleep 3
ondisk
echo "1000 8" > /sys/block/md0/md/dev-vda/bad_blocks
echo "--- bad_blocks vda after echo"; cat /sys/block/md0/md/dev-vda/bad_blocks
sleep 1
dd if=/dev/urandom of=/dev/md0 bs=4k count=1 seek=100 oflag=direct
sleep 3
mdadm --examine-badblocks /dev/vda
dd if=/dev/urandom of=/dev/md0 bs=64k count=1 seek=3100 oflag=direct
sleep 3
ondisk
mdadm --stop /dev/md0
mdadm --examine-badblocks /dev/vda
mdadm --assemble /dev/md0 /dev/vda /dev/vdb
sleep 1
cat /proc/mdstat
if [ -e /sys/block/md0/md/dev-vda ]; then
  echo "--- ASSEMBLED with vda; bad_blocks vda after reassembly"; cat /sys/block/md0/md/dev-vda/bad_blocks
  waitsync
  mdadm --stop /dev/md0
else
  echo "--- vda was not imported"
  mdadm --stop /dev/md0 2>/dev/null
fi
